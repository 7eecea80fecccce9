/** Files dreamdb writes whole (generated types, reports, expectations). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileSystemError } from './errors.js';

/**
 * Writes `text` to a temporary file beside `file`, then renames it over: a reader never sees half
 * a file, and a failure (a full disk stops writeFile midway) leaves no temporary file behind and
 * is the one-line file-system error naming the path.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await fs.writeFile(temp, text);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => {});
    throw fileSystemError(error, file) ?? error;
  }
}
