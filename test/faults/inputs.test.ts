/** The smaller hostile inputs of issue 12, item 8, outside migrate: config files and the embedded directory. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { cell } from './matrix.js';

async function dirWith(name: string, text: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-cfg-'));
  await fs.writeFile(path.join(dir, name), text);
  return dir;
}

describe('config files', () => {
  it('reads dreamdb.config.json with a UTF-8 byte order mark', async () => {
    cell('config', 'UTF-8 BOM in dreamdb.config.json');
    const dir = await dirWith('dreamdb.config.json', '\uFEFF{"migrations": {"dir": "elsewhere"}}');
    const { config } = await loadConfig(dir);
    expect(config.migrations?.dir).toBe('elsewhere');
  });

  it('says a .ts config has no default export instead of "unknown key"', async () => {
    cell('config', '.ts config with only named exports');
    const dir = await dirWith('dreamdb.config.ts', 'export const config = { migrations: { dir: "x" } };\n');
    const error = await loadConfig(dir, 'dreamdb.config.ts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('dreamdb.config.ts has no default export (only named exports: config).');
    expect((error as UsageError).hint).toContain('export default config');
  });
});
