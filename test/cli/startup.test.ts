/**
 * Start-up stays cheap: `--version` and `--help` load commander and chalk and none of the heavy
 * packages (zod, postgres.js, libpg-query, listr2, pg-delta, supabase-js), which each command
 * imports when it runs. Every module the CLI process resolves is traced by a module hook
 * (test/helpers/import-trace.mjs); a command that connects is the control that the trace sees them.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const HOOK = pathToFileURL(path.resolve('test/helpers/import-trace.mjs')).href;

/** The npm packages the CLI process loaded for `args`. */
async function packagesLoaded(args: string[]): Promise<{ code: number; packages: string[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-imports-'));
  const file = path.join(dir, 'imports.txt');
  try {
    const result = await runCli(args, {
      env: { NODE_OPTIONS: `--import=${HOOK}`, DREAMDB_TRACE_IMPORTS: file },
    });
    const urls = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
    const packages = new Set(
      urls
        .filter((u) => u.includes('/node_modules/'))
        .map((u) => u.replace(/.*\/node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')),
    );
    return { code: result.code, packages: [...packages].sort() };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('start-up', () => {
  for (const args of [['--version'], ['--help'], ['audit-rls', '--help'], ['partitions', 'rotate', '--help']]) {
    it(`dreamdb ${args.join(' ')} loads only commander and chalk`, async () => {
      const { code, packages } = await packagesLoaded(args);
      expect(code).toBe(0);
      expect(packages.filter((p) => !['commander', 'chalk'].includes(p))).toEqual([]);
    });
  }

  it('a command that connects loads postgres.js and zod when it runs (the trace sees them)', async () => {
    const { code, packages } = await packagesLoaded(['status', '--db', 'postgresql://postgres@127.0.0.1:1/none']);
    expect(code).toBe(2);
    expect(packages).toEqual(expect.arrayContaining(['commander', 'postgres', 'zod']));
  });
});
