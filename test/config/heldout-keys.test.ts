/**
 * Held-out tests, written from the documentation only (README.md "Configuration", docs/*.md):
 * every documented key of dreamdb.config.json must change what the command does. Each test sets
 * one key (sometimes with a companion key it needs) in a throwaway project directory, runs the CLI
 * as a user does, and checks an observable that the default would not give (and, where cheap, runs
 * the default too to show the difference).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const REPO = path.resolve('.');
const MIGRATIONS = path.join(REPO, 'sql/migrations');
const SEED_FIXTURES = path.join(REPO, 'fixtures/seed');
const EXPECTATIONS = path.join(REPO, 'fixtures/audit/expectations.txt');
const Y = new Date().getUTCFullYear();
const NOW = `${Y}-06-01`;

const projects: string[] = [];
const databases: TestDatabase[] = [];

/** A project root of its own (a `.git` stops the walk up), holding dreamdb.config.json. */
async function project(config: unknown, files: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-heldout-'));
  projects.push(dir);
  await fs.mkdir(path.join(dir, '.git'));
  await fs.writeFile(path.join(dir, 'dreamdb.config.json'), JSON.stringify(config, null, 2));
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** The shipped migrations copied into `<dir>/<sub>`, plus extra files. */
async function copyMigrations(dir: string, sub: string, extra: Record<string, string> = {}): Promise<string> {
  const target = path.join(dir, sub);
  await fs.mkdir(target, { recursive: true });
  for (const f of await fs.readdir(MIGRATIONS)) await fs.copyFile(path.join(MIGRATIONS, f), path.join(target, f));
  for (const [name, text] of Object.entries(extra)) await fs.writeFile(path.join(target, name), text);
  return target;
}

async function freshDb(prefix: string): Promise<TestDatabase> {
  const db = await migratedDatabase(prefix);
  databases.push(db);
  return db;
}

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { cwd, env });
}

function json<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr:\n${result.stderr}`);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = Date.now();
  const value = await fn();
  return [value, Date.now() - t];
}

/** Holds `lock table <table> in <mode> mode` in an open transaction while `fn` runs. */
async function holdingLock<T>(db: TestDatabase, table: string, mode: string, fn: () => Promise<T>): Promise<T> {
  const conn = await db.sql.reserve();
  try {
    await conn`begin`;
    await conn.unsafe(`lock table ${table} in ${mode} mode`);
    return await fn();
  } finally {
    await conn`rollback`.catch(() => undefined);
    conn.release();
  }
}

function doctorCheck(result: CliResult, id: string): any {
  const check = json(result).checks.find((c: any) => c.id === id);
  expect(check, `doctor has no check ${id}:\n${result.stdout}`).toBeTruthy();
  return check;
}

/** A database the read-only tests share: migrated, plus a schema the API roles can reach without RLS. */
let shared: TestDatabase;
beforeAll(async () => {
  shared = await freshDb('heldout_shared');
  await shared.sql.unsafe(`
    create schema heldout_api;
    create table heldout_api.open_t (id int primary key, label text);
    grant usage on schema heldout_api to anon, authenticated;
    grant select on heldout_api.open_t to anon, authenticated;
  `);
});

afterAll(async () => {
  for (const db of databases.splice(0)) await db.drop().catch(() => undefined);
  for (const dir of projects.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
describe('db.*, embedded.*', () => {
  it('db.url is the target when no flag or environment variable names one', async () => {
    const dir = await project({ db: { url: shared.url } });
    const r = await cli(['doctor', '--json'], dir);
    expect(json(r).database, r.stderr).toBe(shared.name);
  });

  it('db.urlEnv names the environment variable holding the target', async () => {
    const dir = await project({ db: { urlEnv: 'HELDOUT_TARGET_URL' } });
    const r = await cli(['doctor', '--json'], dir, { HELDOUT_TARGET_URL: shared.url });
    expect(json(r).database, r.stderr).toBe(shared.name);
  });

  it('db.label "production" makes migrate refuse without a terminal and without --yes', async () => {
    const db = await freshDb('heldout_label');
    const extra = { '29990101000000_heldout_extra.sql': 'alter table public.tasks add column heldout_note text;\n' };
    const prod = await project({ db: { label: 'production' }, migrations: { dir: 'mig' } });
    await copyMigrations(prod, 'mig', extra);
    const refused = await cli(['migrate', '--db', db.url], prod);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/production/i);
    const [col] = await db.sql<{ n: number }[]>`select count(*)::int as n from information_schema.columns
      where table_schema = 'public' and table_name = 'tasks' and column_name = 'heldout_note'`;
    expect(col?.n).toBe(0);
    // The same project without the label applies it.
    const plain = await project({ migrations: { dir: 'mig' } });
    await copyMigrations(plain, 'mig', extra);
    const applied = await cli(['migrate', '--db', db.url], plain);
    expect(applied.code, applied.stderr).toBe(0);
  });

  it('db.label "production" makes seed refuse (docs/seed.md: "Seeding refuses any target labelled production")', async () => {
    const prod = await project({ db: { label: 'production' } });
    const refused = await cli(['seed', '--dry-run', '--db', shared.url], prod);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/production/i);
    const plain = await project({});
    const ok = await cli(['seed', '--dry-run', '--db', shared.url], plain);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('embedded.dir is where the embedded server keeps its data', async () => {
    const dir = await project({ embedded: { dir: 'var/heldout-pgdata' } });
    const r = await cli(['db', 'status'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain(path.join(dir, 'var/heldout-pgdata'));
    const def = await cli(['db', 'status'], await project({}));
    expect(def.stdout + def.stderr).toContain('.dreamdb');
    expect(def.stdout + def.stderr).not.toContain('heldout-pgdata');
  });

  it('base.autoExposeNewTables true selects the older broad grants on new objects in public', async () => {
    // Only the base (an empty migrations directory), then a table created afterwards.
    const exposed = await createTestDatabase('heldout_expose_on');
    databases.push(exposed);
    const on = await project({ migrations: { dir: 'mig' }, base: { autoExposeNewTables: true } });
    await fs.mkdir(path.join(on, 'mig'));
    const r = await cli(['migrate', '--db', exposed.url], on);
    expect(r.code, r.stderr).toBe(0);
    await exposed.sql`create table public.heldout_new (id int)`;
    const [a] = await exposed.sql<
      { ok: boolean }[]
    >`select has_table_privilege('anon', 'public.heldout_new', 'select') as ok`;
    expect(a?.ok).toBe(true);

    const hidden = await createTestDatabase('heldout_expose_off');
    databases.push(hidden);
    const off = await project({ migrations: { dir: 'mig' } });
    await fs.mkdir(path.join(off, 'mig'));
    const d = await cli(['migrate', '--db', hidden.url], off);
    expect(d.code, d.stderr).toBe(0);
    await hidden.sql`create table public.heldout_new (id int)`;
    const [b] = await hidden.sql<
      { ok: boolean }[]
    >`select has_table_privilege('anon', 'public.heldout_new', 'select') as ok`;
    expect(b?.ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe('migrations.*', () => {
  it('migrations.dir is where status, doctor and migration new find the files', async () => {
    const dir = await project({ migrations: { dir: 'db/versions' } });
    await copyMigrations(dir, 'db/versions', { '29990101000000_heldout_pending.sql': 'select 1;\n' });
    const status = await cli(['status', '--db', shared.url], dir);
    expect(status.code, status.stderr).toBe(3);
    expect(status.stdout + status.stderr).toMatch(/pending\s+29990101000000_heldout_pending/);

    const doctor = await cli(['doctor', '--json', '--db', shared.url], dir);
    const check = doctorCheck(doctor, 'migrations');
    expect(check.status).toBe('alert');
    expect(JSON.stringify(check.details)).toContain('29990101000000_heldout_pending');

    const created = await cli(['migration', 'new', 'heldout_new'], dir);
    expect(created.code, created.stderr).toBe(0);
    const names = await fs.readdir(path.join(dir, 'db/versions'));
    expect(names.some((n) => /^\d{14}_heldout_new\.sql$/.test(n))).toBe(true);
    await expect(fs.stat(path.join(dir, 'sql/migrations'))).rejects.toThrow();
  });

  const alterTasks = { '29990101000000_heldout_alter.sql': 'alter table public.tasks add column heldout_note text;\n' };

  it('migrations.lockAttempts bounds the attempts when the lock is not granted', async () => {
    const db = await freshDb('heldout_mig_attempts');
    const dir = await project({ migrations: { dir: 'mig', lockTimeout: '100ms', lockAttempts: 3 } });
    await copyMigrations(dir, 'mig', alterTasks);
    const r = await holdingLock(db, 'public.tasks', 'access share', () => cli(['migrate', '--db', db.url], dir));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/after 3 attempts/);
  });

  it('migrations.lockTimeout is the lock_timeout of each attempt', async () => {
    const db = await freshDb('heldout_mig_timeout');
    const dir = await project({ migrations: { dir: 'mig', lockTimeout: '250ms', lockAttempts: 1 } });
    await copyMigrations(dir, 'mig', alterTasks);
    const [r, ms] = await timed(() =>
      holdingLock(db, 'public.tasks', 'access share', () => cli(['migrate', '--db', db.url], dir)),
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/within 250 ms/);
    expect(ms).toBeLessThan(15_000); // the default 2 s × 5 attempts with backoff would be longer
  });

  it('migrations.lockRetries (the old name) still works, with a deprecation warning', async () => {
    const db = await freshDb('heldout_mig_retries');
    const dir = await project({ migrations: { dir: 'mig', lockTimeout: '100ms', lockRetries: 2 } });
    await copyMigrations(dir, 'mig', alterTasks);
    const r = await holdingLock(db, 'public.tasks', 'access share', () => cli(['migrate', '--db', db.url], dir));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/lockRetries/);
    expect(r.stderr).toMatch(/deprecat/i);
    expect(r.stderr).toMatch(/after 2 attempts/);
  });

  it('migrations.waitTimeout is how long a second migrate waits for the first', async () => {
    const db = await freshDb('heldout_mig_wait');
    // The first run holds the migrate lock while it retries (1 s × 6 attempts plus backoff).
    const dir = await project({ migrations: { dir: 'mig', lockTimeout: '1s', lockAttempts: 6, waitTimeout: '1s' } });
    await copyMigrations(dir, 'mig', alterTasks);
    await holdingLock(db, 'public.tasks', 'access share', async () => {
      const first = startCli(['migrate', '--db', db.url], { cwd: dir });
      try {
        await waitFor(
          'the first migrate to hold its advisory lock',
          async () => {
            const [held] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_locks
              where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())`;
            return (held?.n ?? 0) > 0;
          },
          { timeoutMs: 20_000 },
        );
        const second = await cli(['migrate', '--db', db.url], dir);
        expect(second.code, second.stderr).toBe(1);
        expect(second.stderr).toMatch(/Another dreamdb migrate is running/);
        // The message names the wait it used: the config's 1 s, not the default minute.
        expect(second.stderr).toMatch(/within 1\.0 s\./);
      } finally {
        await first.done;
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('seed.*', () => {
  it('seed.fixturesDir is where the fixture files are', async () => {
    const dir = await project(
      { seed: { fixturesDir: 'my-fixtures' } },
      { 'my-fixtures/zz-heldout.json': await fs.readFile(path.join(SEED_FIXTURES, '02-the-night-owls.json'), 'utf8') },
    );
    const r = await cli(['seed', '--dry-run', '--db', shared.url], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('zz-heldout.json');
    expect(out).not.toContain('01-maya-rivers.json');
    const def = await cli(['seed', '--dry-run', '--db', shared.url], await project({}));
    expect(def.stdout + def.stderr).toContain('01-maya-rivers.json');
  });

  it('seed.seed is the generator seed when --seed is not given', async () => {
    const args = ['seed', '--no-fixtures', '--artists', '1', '--days', '1', '--end-date', '2026-06-30', '--dry-run'];
    const r = await cli([...args, '--db', shared.url], await project({ seed: { seed: 4242 } }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/seed 4242\b/);
    const def = await cli([...args, '--db', shared.url], await project({}));
    expect(def.stdout + def.stderr).toMatch(/seed 1\b/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('storage.*', () => {
  it('storage.bucketsFile is the declaration file', async () => {
    const dir = await project(
      { storage: { bucketsFile: 'conf/my-buckets.json' } },
      {
        'conf/my-buckets.json': JSON.stringify({
          buckets: [{ id: 'heldout-file-bucket', public: false, fileSizeLimit: '1MiB', allowedMimeTypes: null }],
        }),
      },
    );
    const r = await cli(['storage', 'sync', '--dry-run', '--json', '--db', shared.url], dir);
    expect(r.code, r.stderr).toBe(0);
    const created = json(r)
      .changes.filter((c: any) => c.action === 'create')
      .map((c: any) => c.bucket.id);
    expect(created).toEqual(['heldout-file-bucket']);
  });

  it('storage.buckets declares the buckets inline', async () => {
    const dir = await project({
      storage: {
        buckets: [{ id: 'heldout-inline-bucket', public: true, fileSizeLimit: null, allowedMimeTypes: null }],
      },
    });
    const r = await cli(['storage', 'sync', '--dry-run', '--json', '--db', shared.url], dir);
    expect(r.code, r.stderr).toBe(0);
    const created = json(r)
      .changes.filter((c: any) => c.action === 'create')
      .map((c: any) => c.bucket.id);
    expect(created).toEqual(['heldout-inline-bucket']);
  });

  it('storage.projectUrl switches to the Storage API (which needs the service key)', async () => {
    const dir = await project({ storage: { projectUrl: 'http://127.0.0.1:9' } });
    const r = await cli(['storage', 'list', '--db', shared.url], dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/projectUrl/);
    expect(r.stderr).toMatch(/SUPABASE_SERVICE_ROLE_KEY/);
    const def = await cli(['storage', 'list', '--db', shared.url], await project({}));
    expect(def.code, def.stderr).toBe(0);
  });

  it('storage.serviceKeyEnv names the variable holding the service-role key', async () => {
    const dir = await project({ storage: { projectUrl: 'http://127.0.0.1:9', serviceKeyEnv: 'HELDOUT_SVC_KEY' } });
    // Only the default variable set: the configured one is missing.
    const missing = await cli(['storage', 'list', '--db', shared.url], dir, { SUPABASE_SERVICE_ROLE_KEY: 'x' });
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/HELDOUT_SVC_KEY/);
    // The configured one set: it gets as far as calling the (unreachable) API.
    const found = await cli(['storage', 'list', '--db', shared.url], dir, { HELDOUT_SVC_KEY: 'x' });
    expect(found.code, found.stderr).toBe(1);
    expect(found.stderr).toMatch(/Storage API/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('audit.*', () => {
  it('audit.schemas is the audited schemas', async () => {
    const dir = await project({ audit: { schemas: ['public', 'storage', 'heldout_api'] } });
    const r = await cli(['audit-rls', '--only', 'lints', '--json', '--db', shared.url], dir);
    expect(r.code, r.stderr).toBe(3);
    const objects = json(r).findings.map((f: any) => `${f.id} ${f.object}`);
    expect(objects).toContain('rls_disabled_in_public heldout_api.open_t');
    const def = await cli(['audit-rls', '--only', 'lints', '--json', '--db', shared.url], await project({}));
    expect(JSON.stringify(json(def).findings)).not.toContain('heldout_api');
  });

  it('audit.suppress suppresses a finding per object, with a reason', async () => {
    const dir = await project({
      audit: {
        schemas: ['public', 'storage', 'heldout_api'],
        suppress: [{ id: 'rls_disabled_in_public', object: 'heldout_api.open_t', reason: 'held-out test' }],
      },
    });
    const r = await cli(['audit-rls', '--only', 'lints', '--json', '--db', shared.url], dir);
    const result = json(r);
    expect(result.findings.map((f: any) => `${f.id} ${f.object}`)).not.toContain(
      'rls_disabled_in_public heldout_api.open_t',
    );
    expect(JSON.stringify(result.suppressed)).toContain('heldout_api.open_t');
    expect(r.code, r.stderr).toBe(0);
  });

  const audit = async (config: unknown, area: string, files: Record<string, string> = {}) =>
    cli(['audit-rls', '--only', area, '--json', '--db', shared.url], await project(config, files));
  const withExpectations = async () => ({ 'reviewed/exp.txt': await fs.readFile(EXPECTATIONS, 'utf8') });

  it('audit.expectations is the reviewed expectations file', async () => {
    const r = await audit({ audit: { expectations: 'reviewed/exp.txt' } }, 'isolation', await withExpectations());
    const result = json(r);
    expect(result.isolation.expectations.file).toBe('reviewed/exp.txt');
    expect(result.isolation.expectations.status).toBe('matched');
    expect(result.findings.map((f: any) => f.id)).not.toContain('expectations.missing');
    expect(r.code, r.stderr).toBe(0);
    const def = await audit({}, 'isolation', await withExpectations()); // the file sits elsewhere than the default
    expect(json(def).findings.map((f: any) => f.id)).toContain('expectations.missing');
  });

  it('audit.artists is how many artists the isolation phase impersonates', async () => {
    const r = await audit(
      { audit: { artists: 2, expectations: 'reviewed/exp.txt' } },
      'isolation',
      await withExpectations(),
    );
    expect(json(r).isolation.artists, r.stderr).toBe(2);
    const def = await audit({ audit: { expectations: 'reviewed/exp.txt' } }, 'isolation', await withExpectations());
    expect(json(def).isolation.artists).toBe(3);
  });

  it('audit.oracles.publicColumns lists the unique columns allowed to act as oracles', async () => {
    const oracle = (r: CliResult) =>
      json(r).findings.find((f: any) => f.id === 'isolation.unique_oracle' && f.object === 'public.artists(username)');
    const strict = await audit(
      { audit: { expectations: 'reviewed/exp.txt', oracles: { publicColumns: [] } } },
      'isolation',
      await withExpectations(),
    );
    expect(strict.code, strict.stderr).toBe(3);
    expect(oracle(strict)?.level).toBe('warn');
    const def = await audit({ audit: { expectations: 'reviewed/exp.txt' } }, 'isolation', await withExpectations());
    expect(oracle(def)?.level).toBe('info');
  });

  it('audit.latency.iterations is the runs of each latency query per artist', async () => {
    const r = await audit({ audit: { latency: { iterations: 2, artists: 1 } } }, 'latency');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).latency.iterations).toBe(2);
    expect(json(r).latency.stats.every((s: any) => s.runs === 2)).toBe(true);
    const def = await audit({}, 'latency');
    expect(json(def).latency.iterations).toBe(30);
  });

  it('audit.latency.artists is how many artists run the latency queries', async () => {
    const r = await audit({ audit: { latency: { iterations: 1, artists: 2 } } }, 'latency');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).latency.artists).toBe(2);
    expect(json(r).latency.stats.every((s: any) => s.runs === 2)).toBe(true);
  });

  it("audit.latency.budgets sets a query's p95 budget", async () => {
    const r = await audit(
      { audit: { latency: { iterations: 1, artists: 1, budgets: { dashboard: '0.001ms' } } } },
      'latency',
    );
    expect(r.code, r.stderr).toBe(3);
    const result = json(r);
    expect(result.latency.stats.find((s: any) => s.name === 'dashboard').budgetMs).toBe(0.001);
    expect(result.findings.map((f: any) => `${f.id} ${f.object}`)).toContain('latency.budget dashboard');
  });

  it('audit.latency.platform is the platform of the metric-series query', async () => {
    const budgets = { metric_series_30d: '0.001ms' }; // a breach prints the query's plan
    const r = await audit(
      { audit: { latency: { iterations: 1, artists: 1, platform: 'tiktok', budgets } } },
      'latency',
    );
    expect(r.stdout).toMatch(/tiktok/);
    const def = await audit({ audit: { latency: { iterations: 1, artists: 1, budgets } } }, 'latency');
    expect(def.stdout).toMatch(/spotify/);
    expect(def.stdout).not.toMatch(/tiktok/);
  });

  it('audit.latency.seedArtists is how many artists the latency phase seeds', async () => {
    const r = await audit({ audit: { latency: { iterations: 1, artists: 1, seedArtists: 5 } } }, 'latency');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).latency.seeded).toBe(5);
    const def = await audit({ audit: { latency: { iterations: 1, artists: 1 } } }, 'latency');
    expect(json(def).latency.seeded).toBe(50);
  });
});

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
