/**
 * A full disk during a backup (issue 12, item 4): exit 1 naming the path, never a stack, and
 * nothing that looks like a complete backup. Needs a tiny tmpfs (mount as root); skipped, with
 * the reason, where the machine does not allow it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { seedDatabase } from '../backup/seed.js';
import { cell } from './matrix.js';

let source: TestDatabase;
let mountPoint: string;
let mounted = false;
let whyNot = '';
beforeAll(async () => {
  mountPoint = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    whyNot = `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim().split('\n')[0]})`;
    return;
  }
  source = await migratedDatabase('faultdisk');
  await seedDatabase(source.sql, { artists: 6, days: 400, platforms: 3 });
});
afterAll(async () => {
  if (mounted) execFileSync('umount', [mountPoint]);
  await fs.rm(mountPoint, { recursive: true, force: true });
  await source?.drop();
});

describe('a full disk', () => {
  it('backup: exit 1 naming the path, no complete backup left', async (ctx) => {
    if (!mounted) ctx.skip(whyNot);
    cell('backup', 'disk full (64 kB tmpfs)');
    const result = await runCli(['backup', '--db', source.url, '--out', mountPoint]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`error: Cannot write ${mountPoint}\\S*: no space left on the device \\(ENOSPC\\)`));
    expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
    for (const entry of await fs.readdir(mountPoint)) {
      await expect(fs.access(path.join(mountPoint, entry, 'manifest.json'))).rejects.toThrow();
      expect(entry).toMatch(/\.partial$/);
    }
  });
});
