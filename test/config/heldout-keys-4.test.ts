/**
 * Held-out tests, written from the documentation only (README.md "Configuration", docs/*.md):
 * every documented key of dreamdb.config.json must change what the command does. Each test sets
 * one key (sometimes with a companion key it needs) in a throwaway project directory, runs the CLI
 * as a user does, and checks an observable that the default would not give (and, where cheap, runs
 * the default too to show the difference).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { heldoutSetup, project, freshDb, cli, json, doctorCheck, shared } from './heldout.js';

heldoutSetup();

// ---------------------------------------------------------------------------------------------
describe('doctor.*', () => {
  const doctor = async (config: unknown, db = shared) =>
    cli(['doctor', '--json', '--db', db.url], await project(config));

  it('doctor.disable skips checks', async () => {
    const r = await doctor({ doctor: { disable: ['bloat', 'duplicate-indexes'] } });
    const ids = json(r)
      .checks.filter((c: any) => c.status !== 'skipped')
      .map((c: any) => c.id);
    expect(ids).not.toContain('bloat');
    expect(ids).not.toContain('duplicate-indexes');
    const def = await doctor({});
    expect(json(def).checks.find((c: any) => c.id === 'bloat').status).not.toBe('skipped');
  });

  it('doctor.connections.maxUsedRatio is the alert threshold for connections', async () => {
    const r = await doctor({ doctor: { connections: { maxUsedRatio: 0.0001 } } });
    const c = doctorCheck(r, 'connections');
    expect(c.threshold).toBe(0.0001);
    expect(c.status).toBe('alert');
    expect(r.code).toBe(3);
    expect(doctorCheck(await doctor({}), 'connections').threshold).toBe(0.8);
  });

  it('doctor.partitions.yearsAhead is the required partition horizon', async () => {
    const r = await doctor({ doctor: { partitions: { yearsAhead: 6 } } });
    const c = doctorCheck(r, 'partition-horizon');
    expect(c.status).toBe('alert');
    const def = doctorCheck(await doctor({}), 'partition-horizon');
    expect(def.status).toBe('ok');
    expect(c.threshold).toBeGreaterThan(def.threshold);
  });

  it('doctor.rls.schemas is the schemas checked for tables without RLS', async () => {
    const r = await doctor({ doctor: { rls: { schemas: ['public', 'storage', 'heldout_api'] } } });
    const c = doctorCheck(r, 'rls-disabled');
    expect(c.status).toBe('alert');
    expect(JSON.stringify(c.details)).toContain('heldout_api.open_t');
    expect(doctorCheck(await doctor({}), 'rls-disabled').status).toBe('ok');
  });

  it('doctor.idleInTransaction.maxAge is how long a session may sit idle in a transaction', async () => {
    const conn = await shared.sql.reserve();
    try {
      await conn`begin`;
      await conn`select 1`;
      await new Promise((r) => setTimeout(r, 1_200));
      const r = await doctor({ doctor: { idleInTransaction: { maxAge: '500ms' } } });
      const c = doctorCheck(r, 'idle-in-transaction');
      expect(c.threshold).toBe(500);
      expect(c.status).toBe('alert');
      const def = doctorCheck(await doctor({}), 'idle-in-transaction');
      expect(def.threshold).toBe(60_000);
    } finally {
      await conn`rollback`;
      conn.release();
    }
  });

  it('doctor.longTransactions.maxAge is how long a statement may run', async () => {
    const conn = await shared.sql.reserve();
    const sleeping = conn`select pg_sleep(6)`.execute();
    try {
      await new Promise((r) => setTimeout(r, 1_200));
      const r = await doctor({ doctor: { longTransactions: { maxAge: '500ms' } } });
      const c = doctorCheck(r, 'long-transactions');
      expect(c.threshold).toBe(500);
      expect(c.status).toBe('alert');
      expect(doctorCheck(await doctor({}), 'long-transactions').threshold).toBe(300_000);
    } finally {
      await sleeping.catch(() => undefined);
      conn.release();
    }
  });

  it('doctor.blockedLocks.maxWait is how long a session may wait for a lock', async () => {
    const db = await freshDb('heldout_doctor_locks');
    const holder = await db.sql.reserve();
    const waiter = await db.sql.reserve();
    await holder`begin`;
    await holder`lock table public.tasks in access exclusive mode`;
    const waiting = waiter`select count(*) from public.tasks`.execute().catch(() => undefined);
    try {
      await new Promise((r) => setTimeout(r, 1_200));
      const r = await doctor({ doctor: { blockedLocks: { maxWait: '500ms' } } }, db);
      const c = doctorCheck(r, 'blocked-locks');
      expect(c.threshold).toBe(500);
      expect(c.status).toBe('alert');
      expect(doctorCheck(await doctor({}, db), 'blocked-locks').threshold).toBe(10_000);
    } finally {
      await holder`rollback`;
      await waiting;
      holder.release();
      waiter.release();
    }
  });

  it('doctor.unusedIndexes.minSize is the size from which a never-scanned index counts', async () => {
    const db = await freshDb('heldout_doctor_unused'); // a fresh clone: no index scanned yet
    const r = await doctor({ doctor: { unusedIndexes: { minSize: '8kB' } } }, db);
    expect(doctorCheck(r, 'unused-indexes').status).toBe('alert');
    expect(doctorCheck(await doctor({}, db), 'unused-indexes').status).toBe('ok');
  });

  it('doctor.staleStatistics.minRows / maxModifiedRatio are the stale-statistics thresholds', async () => {
    const db = await freshDb('heldout_doctor_stale');
    await db.sql`create table public.heldout_stats (id int)`;
    await db.sql`insert into public.heldout_stats select generate_series(1, 10)`;
    await db.sql`analyze public.heldout_stats`;
    await db.sql`insert into public.heldout_stats select generate_series(11, 60)`;
    await waitFor(
      'the inserts to reach pg_stat_user_tables',
      async () => {
        const [row] = await db.sql`select n_mod_since_analyze::int as n from pg_stat_user_tables
          where relid = 'public.heldout_stats'::regclass`;
        return row && row.n >= 50;
      },
      { timeoutMs: 20_000, everyMs: 200 },
    );
    const r = await doctor({ doctor: { staleStatistics: { minRows: 20, maxModifiedRatio: 0.5 } } }, db);
    const c = doctorCheck(r, 'stale-statistics');
    expect(c.status).toBe('alert');
    expect(JSON.stringify(c.details)).toContain('heldout_stats');
    const def = doctorCheck(await doctor({}, db), 'stale-statistics');
    expect(JSON.stringify(def.details ?? [])).not.toContain('heldout_stats');
  });

  it('doctor.cacheHitRatio.min / minBlocks are the cache-hit-ratio thresholds', async () => {
    const r = await doctor({ doctor: { cacheHitRatio: { min: 1, minBlocks: 1 } } });
    const c = doctorCheck(r, 'cache-hit-ratio');
    expect(c.threshold).toBe(1);
    expect(c.status).not.toBe('skipped');
    if (typeof c.value === 'number' && c.value < 1) expect(c.status).toBe('alert');
    expect(doctorCheck(await doctor({}), 'cache-hit-ratio').threshold).toBe(0.99);
  });

  it('doctor.partitions.tables is the partitioned tables whose horizon is checked', async () => {
    const db = await freshDb('heldout_doctor_ptables');
    await db.sql.unsafe(`create table public.heldout_parted (d date not null) partition by range (d)`);
    const r = await doctor({ doctor: { partitions: { tables: ['public.metrics', 'public.heldout_parted'] } } }, db);
    const c = doctorCheck(r, 'partition-horizon');
    expect(c.status).toBe('alert');
    expect(JSON.stringify(c)).toContain('heldout_parted');
    const def = doctorCheck(await doctor({}, db), 'partition-horizon');
    expect(def.status).toBe('ok');
  });
});

// ---------------------------------------------------------------------------------------------
describe('types.*', () => {
  const gen = async (config: unknown, args: string[] = []) => {
    const dir = await project(config);
    return { dir, r: await cli(['gen', 'types', ...args, '--db', shared.url], dir) };
  };

  it('types.out is where the module is written, and what --check reads', async () => {
    const { dir, r } = await gen({ types: { out: 'src/types/database.ts' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/export type Database/);
    const text = await fs.readFile(path.join(dir, 'src/types/database.ts'), 'utf8');
    expect(text).toMatch(/export type Database/);
    const check = await cli(['gen', 'types', '--check', '--db', shared.url], dir);
    expect(check.code, check.stderr).toBe(0);
    await fs.appendFile(path.join(dir, 'src/types/database.ts'), '// edited\n');
    const stale = await cli(['gen', 'types', '--check', '--db', shared.url], dir);
    expect(stale.code, stale.stderr).toBe(3);
  });

  it('types.postgrestVersion is __InternalSupabase.PostgrestVersion', async () => {
    const { r } = await gen({ types: { postgrestVersion: '13' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PostgrestVersion: "13"/);
    const def = await gen({});
    expect(def.r.stdout).toMatch(/PostgrestVersion: "12"/);
  });

  it('types.schemas is the schemas the module covers', async () => {
    const { r } = await gen({ types: { schemas: ['public', 'heldout_api'] } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/heldout_api: \{/);
    expect(r.stdout).toMatch(/open_t: \{/);
    const def = await gen({});
    expect(def.r.stdout).not.toMatch(/heldout_api/);
  });

  it('types.clientRole is the role Database is typed by', async () => {
    const { r } = await gen({ types: { clientRole: 'anon' } });
    expect(r.code, r.stderr).toBe(0);
    const head = r.stdout.split('\n').slice(0, 4).join('\n');
    expect(head).toMatch(/Database is what the role "anon" may do/);
    const def = await gen({});
    expect(def.r.stdout.split('\n').slice(0, 4).join('\n')).toMatch(/"authenticated" may do/);
  });

  it('types.serverRole is the role ServiceDatabase is typed by', async () => {
    const { r } = await gen({ types: { serverRole: 'authenticated' } });
    expect(r.code, r.stderr).toBe(0);
    const head = r.stdout.split('\n').slice(0, 4).join('\n');
    expect(head).toMatch(/ServiceDatabase is what "authenticated" may do/);
    const def = await gen({});
    expect(def.r.stdout.split('\n').slice(0, 4).join('\n')).toMatch(/ServiceDatabase is what "service_role" may do/);
  });

  it('types.json gives a function its TypeScript return type', async () => {
    const { r } = await gen({ types: { json: { 'public.get_dashboard_summary': 'HeldoutDashboard' } } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Returns: HeldoutDashboard/);
    const def = await gen({});
    expect(def.r.stdout).not.toMatch(/HeldoutDashboard/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('bench.*', () => {
  // The bench itself is slow (skipped here); its mix file is read before anything runs.
  it('bench.mix is the request mix file', async () => {
    const dir = await project(
      { bench: { mix: 'load/heldout-mix.json' } },
      { 'load/heldout-mix.json': '{"heldoutNonsense": true}' },
    );
    const r = await cli(['bench', '--db', shared.url], dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/heldout-mix\.json/);
    expect(r.stderr).toMatch(/heldoutNonsense/);
  });
});
