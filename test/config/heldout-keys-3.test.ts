/**
 * Held-out tests, written from the documentation only (README.md "Configuration", docs/*.md):
 * every documented key of dreamdb.config.json must change what the command does. Each test sets
 * one key (sometimes with a companion key it needs) in a throwaway project directory, runs the CLI
 * as a user does, and checks an observable that the default would not give (and, where cheap, runs
 * the default too to show the difference).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import {
  heldoutSetup,
  MIGRATIONS,
  Y,
  NOW,
  project,
  freshDb,
  cli,
  json,
  timed,
  holdingLock,
  shared,
} from './heldout.js';

heldoutSetup();

// ---------------------------------------------------------------------------------------------
describe('partitions.*', () => {
  async function plan(dir: string, db: TestDatabase, extra: string[] = []): Promise<any> {
    const r = await cli(['partitions', 'rotate', '--dry-run', '--json', '--now', NOW, ...extra, '--db', db.url], dir);
    expect(r.code, r.stderr).toBe(0);
    return json(r);
  }

  it('partitions.ahead is how many years ahead rotate keeps ready', async () => {
    const p = await plan(await project({ partitions: { ahead: 4 } }), shared);
    expect(p.window.lastYear).toBe(Y + 4);
    expect(p.plan.map((s: any) => s.table)).toContain(`metrics_y${Y + 4}`);
    const def = await plan(await project({}), shared);
    expect(def.window.lastYear).toBe(Y + 2);
  });

  it('partitions.firstYear is the earliest year kept ready', async () => {
    const p = await plan(await project({ partitions: { firstYear: Y - 3 } }), shared);
    expect(p.window.firstYear).toBe(Y - 3);
    expect(p.plan.map((s: any) => s.table)).toContain(`metrics_y${Y - 3}`);
    const def = await plan(await project({}), shared);
    expect(def.window.firstYear).toBe(Y - 1);
  });

  it('partitions.retain retires partitions older than N years', async () => {
    const later = ['--now', `${Y + 1}-06-01`]; // last year's partition ends before Jan 1 of (Y+1 - 1)
    const p = await plan(await project({ partitions: { retain: 1 } }), shared, later);
    expect(p.window.retireBefore).toBe(`${Y}-01-01`);
    expect(p.plan.filter((s: any) => s.action === 'detach').map((s: any) => s.table)).toContain(`metrics_y${Y - 1}`);
    const def = await plan(await project({}), shared, later);
    expect(def.window.retireBefore).toBeNull();
    expect(def.plan.filter((s: any) => s.action === 'detach')).toEqual([]);
  });

  it('partitions.archiveDir is where retired partitions are archived', async () => {
    const db = await freshDb('heldout_parts_archive');
    const dir = await project({ partitions: { archiveDir: 'archive/metrics' } });
    const r = await cli(['partitions', 'rotate', '--now', `${Y + 1}-06-01`, '--retain', '1', '--db', db.url], dir);
    expect(r.code, r.stderr).toBe(0);
    const csv = path.join(dir, 'archive/metrics', `public.metrics_y${Y - 1}.csv`);
    const text = await fs.readFile(csv, 'utf8');
    expect(text.split('\n')[0]).toMatch(/metric_date/); // the CSV header
  });

  it('partitions.lockAttempts bounds the attempts of a step whose lock times out', async () => {
    const db = await freshDb('heldout_parts_attempts');
    const dir = await project({ partitions: { lockTimeout: '100ms', lockAttempts: 2 } });
    const [r, ms] = await timed(() =>
      holdingLock(db, 'public.metrics', 'share update exclusive', () =>
        cli(['partitions', 'rotate', '--now', NOW, '--ahead', '3', '--db', db.url], dir),
      ),
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/after 2 attempts/);
    expect(ms).toBeLessThan(15_000); // the default is 12 attempts with backoff up to 5 s
  });

  it('partitions.lockTimeout is the lock_timeout of each attach attempt', async () => {
    const db = await freshDb('heldout_parts_timeout');
    const dir = await project({ partitions: { lockTimeout: '350ms', lockAttempts: 1 } });
    const r = await holdingLock(db, 'public.metrics', 'share update exclusive', () =>
      cli(['partitions', 'rotate', '--now', NOW, '--ahead', '3', '--db', db.url], dir),
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/within 350 ms/);
  });

  it('partitions.waitTimeout is how long to wait for another rotation', async () => {
    const db = await freshDb('heldout_parts_wait');
    const dir = await project({ partitions: { waitTimeout: '2s' } });
    const conn = await db.sql.reserve();
    try {
      await conn`select pg_advisory_lock(dreamdb.metrics_partitions_lock_key())`;
      const r = await cli(['partitions', 'rotate', '--now', NOW, '--ahead', '3', '--db', db.url], dir);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/Another rotation/);
      // The message names the wait it used: the config's 2 s, not the default 30 s.
      expect(r.stderr).toMatch(/within 2\.0 s\./);
    } finally {
      await conn`select pg_advisory_unlock_all()`;
      conn.release();
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('backup.*', () => {
  async function backup(config: unknown, env: NodeJS.ProcessEnv = {}, extra: string[] = []) {
    const dir = await project(config);
    const r = await cli(['backup', '--json', ...extra, '--db', shared.url], dir, env);
    return { dir, r };
  }
  const tables = (m: any): string[] => m.tables.map((t: any) => `${t.schema}.${t.name}`);

  it('backup.dir is where backup writes without --out', async () => {
    const { dir, r } = await backup({ backup: { dir: 'vault/backups' } });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r).dir as string;
    expect(path.dirname(out)).toBe(path.join(dir, 'vault/backups'));
    await fs.stat(path.join(out, 'manifest.json'));
  });

  it('backup.compression "none" writes the COPY files uncompressed', async () => {
    const { r } = await backup({ backup: { dir: 'b', compression: 'none' } });
    expect(r.code, r.stderr).toBe(0);
    const m = json(r).manifest;
    expect(m.compression).toBe('none');
    expect(m.tables.some((t: any) => /\.gz$/.test(t.file))).toBe(false);
    const def = await backup({ backup: { dir: 'b' } });
    expect(json(def.r).manifest.compression).toBe('gzip');
  });

  it('backup.exclude leaves tables out', async () => {
    const { r } = await backup({ backup: { dir: 'b', exclude: ['public.tasks'] } });
    expect(r.code, r.stderr).toBe(0);
    const got = tables(json(r).manifest);
    expect(got).not.toContain('public.tasks');
    expect(got).toContain('public.artists');
  });

  it('backup.include chooses the tables (the ledgers are always included)', async () => {
    const { r } = await backup({ backup: { dir: 'b', include: ['public.artists'] } });
    expect(r.code, r.stderr).toBe(0);
    expect(tables(json(r).manifest).sort()).toEqual(
      ['dreamdb.migrations', 'public.artists', 'supabase_migrations.schema_migrations'].sort(),
    );
  });

  it('backup.keyEnv names the variable holding the encryption key', async () => {
    const key = randomBytes(32).toString('base64');
    const ok = await backup({ backup: { dir: 'b', keyEnv: 'HELDOUT_BACKUP_KEY' } }, { HELDOUT_BACKUP_KEY: key }, [
      '--encrypt',
    ]);
    expect(ok.r.code, ok.r.stderr).toBe(0);
    expect(json(ok.r).manifest.encryption).toBeTruthy();
    // Only the default variable: the configured one is what is read.
    const missing = await backup({ backup: { dir: 'b', keyEnv: 'HELDOUT_BACKUP_KEY' } }, { DREAMDB_BACKUP_KEY: key }, [
      '--encrypt',
    ]);
    expect(missing.r.code).not.toBe(0);
    expect(missing.r.stderr).toMatch(/HELDOUT_BACKUP_KEY/);
  });

  it('backup.lockTimeout bounds the wait for the ACCESS SHARE locks', async () => {
    const db = await freshDb('heldout_backup_lock');
    const dir = await project({ backup: { dir: 'b', lockTimeout: '500ms' } });
    const [r, ms] = await timed(() =>
      holdingLock(db, 'public.tasks', 'access exclusive', () => cli(['backup', '--json', '--db', db.url], dir)),
    );
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/within 500 ms/);
    expect(ms).toBeLessThan(15_000);
    // The default (30 s) waits for a lock released after 3 s, and succeeds.
    const def = await project({ backup: { dir: 'b' } });
    const { run } = await holdingLock(db, 'public.tasks', 'access exclusive', async () => {
      const started = runCli(['backup', '--json', '--db', db.url], { cwd: def });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return { run: started }; // wrapped: the lock is released before the run is awaited
    });
    const ok = await run;
    expect(ok.code, ok.stderr).toBe(0);
  });

  // README "Exit codes": "Errors a user can fix print one line, the detail lines that help (a SQL
  // excerpt with a caret), and a `hint:` naming what to do next, with no stack; `--debug` adds the
  // stack." Observed: a backup.lockTimeout that expires prints
  // "internal error: PostgresError: canceling statement due to lock timeout" and a stack (fixed:
  // the backup now turns a lock timeout anywhere in its run into one line and a hint).
  it('backup.lockTimeout expiring is one line with a hint, not an internal error with a stack', async () => {
    const db = await freshDb('heldout_backup_lock_msg');
    const dir = await project({ backup: { dir: 'b', lockTimeout: '300ms' } });
    const r = await holdingLock(db, 'public.tasks', 'access exclusive', () => cli(['backup', '--db', db.url], dir));
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/^hint:/m);
  });

  const drill = (config: Record<string, unknown>) =>
    project({ migrations: { dir: MIGRATIONS }, ...config }).then((dir) =>
      cli(['dr-drill', '--skip-audit', '--json', '--db', shared.url], dir),
    );

  it('backup.drill.maxBackupTime is the backup budget of dr-drill', async () => {
    const r = await drill({ backup: { drill: { maxBackupTime: '1ms' } } });
    expect(r.code, r.stderr).toBe(3);
    expect(json(r).shortfalls.join('\n')).toMatch(/maxBackupTime/);
    const def = await drill({});
    expect(def.code, def.stdout + def.stderr).toBe(0);
  });

  it('backup.drill.maxRestoreTime is the restore budget of dr-drill', async () => {
    const r = await drill({ backup: { drill: { maxRestoreTime: '1ms' } } });
    expect(r.code, r.stderr).toBe(3);
    expect(json(r).shortfalls.join('\n')).toMatch(/maxRestoreTime/);
    expect(json(r).shortfalls.join('\n')).not.toMatch(/maxBackupTime/);
  });
});
