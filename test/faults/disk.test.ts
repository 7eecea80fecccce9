/**
 * A full disk (issue 12, item 4): exit 1 naming the path, never a stack, and nothing that looks
 * complete: no backup with a manifest, no half-written types module, no retired partition dropped
 * before its archive is whole. Needs a tiny tmpfs (mount as root); skipped, with the reason, where
 * the machine does not allow it.
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
    whyNot = `cannot mount a tmpfs here (${
      String((error as { stderr?: Buffer }).stderr ?? error)
        .trim()
        .split('\n')[0]
    })`;
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
    expect(result.stderr).toMatch(
      new RegExp(`error: Cannot write ${mountPoint}\\S*: no space left on the device \\(ENOSPC\\)`),
    );
    expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
    for (const entry of await fs.readdir(mountPoint)) {
      await expect(fs.access(path.join(mountPoint, entry, 'manifest.json'))).rejects.toThrow();
      expect(entry).toMatch(/\.partial$/);
    }
  });

  it('gen types --out: exit 1 naming the path; the committed module stays as it was, no temp file', async (ctx) => {
    if (!mounted) ctx.skip(whyNot);
    cell('gen types', 'disk full (64 kB tmpfs)');
    const dir = path.join(mountPoint, 'types');
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'database.ts');
    await fs.writeFile(file, '// the committed module\n');
    // Leave less room than the generated module needs.
    const filler = path.join(mountPoint, 'filler');
    await fs.writeFile(filler, Buffer.alloc(40 * 1024));
    try {
      const result = await runCli(['gen', 'types', '--db', source.url, '--out', file]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/error: Cannot write \S*types\S*: no space left on the device \(ENOSPC\)/);
      expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
      expect(await fs.readFile(file, 'utf8')).toBe('// the committed module\n');
      expect(await fs.readdir(dir)).toEqual(['database.ts']);
    } finally {
      await fs.rm(filler, { force: true });
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('partitions rotate --archive: exit 1 naming the path; the retired partition keeps its rows', async (ctx) => {
    if (!mounted) ctx.skip(whyNot);
    cell('partitions rotate', 'disk full while archiving (64 kB tmpfs)');
    const target = await migratedDatabase('faultdisk_rotate');
    try {
      await seedDatabase(target.sql, { artists: 12, days: 800, platforms: 3 });
      const archive = path.join(mountPoint, 'archive');
      const oldest = async () =>
        (
          await target.sql<{ table: string; n: number }[]>`
          select c.relname as table, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from public.%I', c.relname), false, true, '')))[1]::text::int as n
            from pg_class c join pg_namespace s on s.oid = c.relnamespace
           where s.nspname = 'public' and c.relname ~ '^metrics_y[0-9]{4}$' order by c.relname limit 1`
        )[0]!;
      const before = await oldest();
      expect(before.n).toBeGreaterThan(0);
      const args = ['partitions', 'rotate', '--db', target.url, '--retain', '0', '--archive', archive, '--drop'];
      const result = await runCli(args);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/Cannot write \S*archive\S*: no space left on the device \(ENOSPC\)/);
      expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
      // Not dropped: every row of the oldest partition is still there, and no archive looks whole.
      expect(await oldest()).toEqual(before);
      for (const entry of await fs.readdir(archive).catch(() => [])) expect(entry).not.toMatch(/\.csv$/);
    } finally {
      await target.drop();
      await fs.rm(path.join(mountPoint, 'archive'), { recursive: true, force: true });
    }
  });
});
