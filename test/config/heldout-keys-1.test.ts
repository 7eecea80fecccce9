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
import { createTestDatabase } from '../helpers/db.js';
import { startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import {
  heldoutSetup,
  databases,
  SEED_FIXTURES,
  project,
  copyMigrations,
  freshDb,
  cli,
  json,
  timed,
  holdingLock,
  doctorCheck,
  shared,
} from './heldout.js';

heldoutSetup();

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
