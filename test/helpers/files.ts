/** Temporary migration directories for tests. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function migrationDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-mig-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

export async function writeFile(dir: string, name: string, text: string): Promise<void> {
  await fs.writeFile(path.join(dir, name), text);
}
