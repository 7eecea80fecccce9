/**
 * The commands as a user runs them: exit codes, messages, and a backup killed with SIGKILL midway
 * that never looks complete.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncompleteBackupError, readManifest } from '../../src/backup/manifest.js';
import { createTestDatabase, migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli as runHarness, startCli as startHarness } from '../helpers/cli.js';
import { seedDatabase } from './seed.js';

let source: TestDatabase;
let work: string;
const KEY = 'a passphrase for the cli tests';

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-backup-cli-'));
  source = await migratedDatabase('bkcli');
  // Enough rows that a backup takes a moment: the kill test must catch it in the middle.
  await seedDatabase(source.sql, { artists: 60, days: 900, platforms: 4 });
});

afterAll(async () => {
  await source?.drop();
  await fs.rm(work, { recursive: true, force: true });
});

describe('dreamdb backup / backup verify / restore', () => {
  let dir: string;

  it('backs up with --encrypt and prints where, then verifies it', async () => {
    const out = path.join(work, 'b1');
    const r = await runHarness(['--db', source.url, 'backup', '--out', out, '--encrypt', '--json'], {
      env: { DREAMDB_BACKUP_KEY: KEY },
    });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { dir: string; manifest: { encryption: unknown; totals: { rows: number } } };
    dir = json.dir;
    expect(json.manifest.encryption).not.toBeNull();
    expect(r.stderr).toContain('snapshot taken');
    expect(r.stdout).not.toContain(KEY);

    const ok = await runHarness(['backup', 'verify', dir], { env: { DREAMDB_BACKUP_KEY: KEY } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK .*read back with the recorded checksums after authenticated decryption/m);

    const noKey = await runHarness(['backup', 'verify', dir]);
    expect(noKey.code).toBe(0);
    expect(noKey.stdout).toMatch(/DREAMDB_BACKUP_KEY is not set: file checksums checked/);
  });

  it('exits 3 on a damaged backup, naming the file', async () => {
    const bad = path.join(work, 'damaged');
    await fs.cp(dir, bad, { recursive: true });
    const m = await readManifest(bad);
    const victim = m.tables.find((t) => t.name === 'artists')!;
    await fs.appendFile(path.join(bad, victim.file), 'garbage');
    const r = await runHarness(['backup', 'verify', bad], { env: { DREAMDB_BACKUP_KEY: KEY } });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`DAMAGED`);
    expect(r.stdout).toContain(`${victim.file} (public.artists): `);
  });

  it('restores into an empty database, and refuses a non-empty one with exit 2 and a hint', async () => {
    const target = await createTestDatabase('bkcli_dst');
    try {
      const r = await runHarness(['--db', target.url, 'restore', dir], { env: { DREAMDB_BACKUP_KEY: KEY } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Restored into .*identical to the backup/);
      const again = await runHarness(['--db', target.url, 'restore', dir], { env: { DREAMDB_BACKUP_KEY: KEY } });
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/error: The target database is not empty: /);
      expect(again.stderr).toMatch(/hint: .*--force/);
      expect(again.stderr).not.toMatch(/at .*\.ts:\d+/);
      // --force without a terminal and without --yes: refused, nothing replaced
      const forced = await runHarness(['--db', target.url, 'restore', dir, '--force'], {
        env: { DREAMDB_BACKUP_KEY: KEY },
      });
      expect(forced.code).toBe(2);
      expect(forced.stderr).toMatch(/Refusing without a terminal/);
      const yes = await runHarness(['--db', target.url, 'restore', dir, '--force', '--yes'], {
        env: { DREAMDB_BACKUP_KEY: KEY },
      });
      expect(yes.code, yes.stderr).toBe(0);
      expect(yes.stdout).toContain('previous rows were replaced');
    } finally {
      await target.drop();
    }
  }, 180_000); // a restore and two CLI runs: over 60 s on a loaded 2-core machine

  it('says clearly when the key is wrong', async () => {
    const target = await createTestDatabase('bkcli_key');
    try {
      const r = await runHarness(['--db', target.url, 'restore', dir], {
        env: { DREAMDB_BACKUP_KEY: 'this is not the right passphrase' },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: Wrong key: DREAMDB_BACKUP_KEY does not decrypt this backup\./m);
    } finally {
      await target.drop();
    }
  });

  it('a backup killed midway (SIGKILL) never looks complete', async () => {
    const out = path.join(work, 'killed');
    const { child, done } = startHarness(['--db', source.url, 'backup', '--out', out, '--jobs', '1']);
    // Kill as soon as the first data file has bytes in it.
    let partial: string | undefined;
    for (let i = 0; i < 3000 && !partial; i += 1) {
      const names = await fs.readdir(out).catch(() => [] as string[]);
      for (const n of names.filter((x) => x.endsWith('.partial'))) {
        const files = await fs.readdir(path.join(out, n, 'data')).catch(() => [] as string[]);
        const sizes = await Promise.all(
          files.map((f) =>
            fs.stat(path.join(out, n, 'data', f)).then(
              (s) => s.size,
              () => 0,
            ),
          ),
        );
        if (sizes.some((s) => s > 0)) partial = n;
      }
      if (!partial) await new Promise((r) => setTimeout(r, 10));
    }
    expect(partial, 'the backup never started writing').toBeDefined();
    child.kill('SIGKILL');
    await done;

    const names = await fs.readdir(out);
    expect(names).toEqual([partial]);
    await expect(fs.access(path.join(out, partial!, 'manifest.json'))).rejects.toThrow();
    await expect(readManifest(path.join(out, partial!))).rejects.toBeInstanceOf(IncompleteBackupError);
    const verify = await runHarness(['backup', 'verify', path.join(out, partial!)]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/is not a complete backup: it still has its temporary \.partial name/);
    const target = await createTestDatabase('bkcli_killed');
    try {
      const restore = await runHarness(['--db', target.url, 'restore', path.join(out, partial!)]);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(/is not a complete backup/);
    } finally {
      await target.drop();
    }

    // The next backup in the same place warns about the leftover and completes beside it.
    const next = await runHarness(['--db', source.url, 'backup', '--out', out]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/left by interrupted runs .*\.partial/);
    expect((await fs.readdir(out)).filter((n) => !n.endsWith('.partial'))).toHaveLength(1);
  });

  it('documents its flags and exit codes in --help', async () => {
    const r = await runHarness(['backup', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--out <dir>', '--encrypt', '--format <format>', 'Exit codes:'])
      expect(r.stdout).toContain(flag);
    const restore = await runHarness(['restore', '--help']);
    expect(restore.stdout).toContain('--force');
    const drill = await runHarness(['dr-drill', '--help']);
    expect(drill.stdout).toContain('--skip-audit');
    const bad = await runHarness(['backup', '--format', 'tar']);
    expect(bad.code).toBe(2);
  });
});
