import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultMigrateSettings,
  MigrationChangedError,
  runMigrations,
  type MigrateSettings,
} from '../../src/migrate/engine.js';
import { connect } from '../../src/db/connect.js';
import { DreamdbError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrationDir, writeFile } from '../helpers/files.js';
import { rejection } from '../helpers/errors.js';

let db: TestDatabase;
const dbs: TestDatabase[] = [];
beforeEach(async () => {
  db = await createTestDatabase('engine');
  dbs.push(db);
});
afterEach(async () => {
  await db.drop();
});

const settings = (dir: string, overrides: Partial<MigrateSettings> = {}): MigrateSettings => ({
  ...defaultMigrateSettings,
  dir,
  ...overrides,
});

describe('migrate', () => {
  it('migrates an empty database, records both ledgers, and a rerun does nothing', async () => {
    const dir = await migrationDir({
      '20260101000000_one.sql': 'create table public.one (id int primary key);\ninsert into public.one values (1);\n',
      '20260102000000_two.sql': 'alter table public.one add column note text;\n',
    });
    const first = await runMigrations(db.url, { settings: settings(dir) });
    expect(first.base).toBe('installed');
    expect(first.applied.map((a) => a.version)).toEqual(['20260101000000', '20260102000000']);
    const ledger =
      await db.sql`select version, checksum, applied_at, applied_by, statements_done from dreamdb.migrations order by version`;
    expect(ledger).toHaveLength(2);
    expect(ledger[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(ledger[0]!.statements_done).toBeNull();
    const supa =
      await db.sql`select version, name, statements from supabase_migrations.schema_migrations order by version`;
    expect(supa.map((r) => [r.version, r.name])).toEqual([
      ['20260101000000', 'one'],
      ['20260102000000', 'two'],
    ]);
    expect(supa[0]!.statements).toEqual([
      'create table public.one (id int primary key)',
      'insert into public.one values (1)',
    ]);

    const second = await runMigrations(db.url, { settings: settings(dir) });
    expect(second.applied).toEqual([]);
    expect(second.base).toBe('unchanged');
    const [{ n }] = (await db.sql`select count(*)::int as n from public.one`) as unknown as [{ n: number }];
    expect(n).toBe(1);
  });

  it("installs the Supabase-compatible base with roles, helpers and today's Data API default", async () => {
    const dir = await migrationDir({
      '20260101000000_t.sql':
        'create table public.t (id int);\ncreate function public.f() returns int language sql as $$ select 1 $$;\n',
    });
    await runMigrations(db.url, { settings: settings(dir) });
    const roles =
      await db.sql`select rolname, rolbypassrls, rolcanlogin from pg_roles where rolname in ('anon','authenticated','service_role','authenticator') order by rolname`;
    expect(roles.map((r) => [r.rolname, r.rolbypassrls, r.rolcanlogin])).toEqual([
      ['anon', false, false],
      ['authenticated', false, false],
      ['authenticator', false, true],
      ['service_role', true, false],
    ]);
    // Supabase since 2026-10-30: new objects in public are not granted to the API roles; its
    // revoke leaves TRUNCATE (and REFERENCES, TRIGGER) default-granted, so the base does too.
    // EXECUTE is no longer granted to anon itself; Postgres's own grant to PUBLIC remains (revoke it too).
    const [priv] =
      await db.sql`select has_table_privilege('anon', 'public.t', 'SELECT') as sel, has_table_privilege('service_role', 'public.t', 'INSERT') as ins,
      has_table_privilege('anon', 'public.t', 'TRUNCATE') as trunc,
      exists (select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
              where p.oid = 'public.f()'::regprocedure and a.grantee = 'anon'::regrole) as exec`;
    expect(priv).toEqual({ sel: false, ins: false, trunc: true, exec: false });
    const [objs] =
      await db.sql`select to_regclass('auth.users') is not null as users, to_regclass('storage.objects') is not null as objects,
      (select relrowsecurity from pg_class where oid = 'storage.objects'::regclass) as rls,
      exists (select 1 from pg_publication where pubname = 'supabase_realtime') as pub`;
    expect(objs).toEqual({ users: true, objects: true, rls: true, pub: true });
    const [uid] =
      await db.sql`select set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-00000000000a","role":"authenticated"}', false), auth.uid()::text as uid, auth.role() as role`;
    expect(uid!.uid).toBe('00000000-0000-0000-0000-00000000000a');
    expect(uid!.role).toBe('authenticated');
  });

  it('selects the older broad grants with autoExposeNewTables, and switching back revokes them for new objects', async () => {
    const dir = await migrationDir({
      '20260101000000_t.sql':
        'create table public.t (id int);\ncreate function public.f() returns int language sql as $$ select 1 $$;\n',
    });
    await runMigrations(db.url, { settings: settings(dir, { autoExposeNewTables: true }) });
    const [broad] = await db.sql`select has_table_privilege('anon', 'public.t', 'SELECT') as sel,
      exists (select 1 from pg_proc p, aclexplode(p.proacl) a where p.oid = 'public.f()'::regprocedure and a.grantee = 'anon'::regrole) as exec`;
    expect(broad).toEqual({ sel: true, exec: true });
    await writeFile(dir, '20260102000000_u.sql', 'create table public.u (id int);\n');
    const again = await runMigrations(db.url, { settings: settings(dir) });
    expect(again.base).toBe('installed'); // another base: the revoke is appended
    const [now] =
      await db.sql`select has_table_privilege('anon', 'public.u', 'SELECT') as u, has_table_privilege('anon', 'public.t', 'SELECT') as t`;
    expect(now).toEqual({ u: false, t: true }); // existing tables keep their grants, as on Supabase
  });

  it('puts extensions on the search_path, for the run that installs the base and for new connections', async () => {
    const dir = await migrationDir({
      '20260101000000_ids.sql':
        "create table public.invites (code text primary key default encode(gen_random_bytes(9), 'base64'), ref uuid default uuid_generate_v4());\ninsert into public.invites default values;\n",
    });
    await runMigrations(db.url, { settings: settings(dir) });
    const [row] =
      await db.sql`select current_setting('search_path') as path, length(code) as len, ref is not null as ref from public.invites`;
    expect(row).toEqual({ path: '"$user", public, extensions', len: 12, ref: true });
  });

  it('leaves the database at the previous version when a file fails, and points at the line', async () => {
    const dir = await migrationDir({
      '20260101000000_ok.sql': 'create table public.ok (id int);\n',
      '20260102000000_bad.sql':
        '-- a comment\ncreate table public.half (id int);\n\ninsert into public.half select id from public.nosuch;\n',
    });
    const error = await runMigrations(db.url, { settings: settings(dir) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DreamdbError);
    const e = error as DreamdbError;
    expect(e.message).toContain('20260102000000_bad.sql:4:');
    expect(e.message).toContain('42P01');
    expect(e.details.join('\n')).toMatch(/4 \| insert into public.half select id from public.nosuch;\n\s+\|\s+\^/);
    const versions = await db.sql`select version from dreamdb.migrations order by version`;
    expect(versions.map((r) => r.version)).toEqual(['20260101000000']);
    const [t] = await db.sql`select to_regclass('public.half') as half, to_regclass('public.ok') as ok`;
    expect(t).toEqual({ half: null, ok: 'ok' });
  });

  it('points a syntax error at its column', async () => {
    const dir = await migrationDir({ '20260101000000_syntax.sql': 'create table public.a (id int);\nselec 1;\n' });
    const e = await rejection(runMigrations(db.url, { settings: settings(dir) }), DreamdbError, 1);
    expect(e.message).toContain('20260101000000_syntax.sql:2:1');
    expect(e.message).toContain('42601');
  });

  it('refuses an applied file that was edited, naming it', async () => {
    const dir = await migrationDir({ '20260101000000_a.sql': 'create table public.a (id int);\n' });
    await runMigrations(db.url, { settings: settings(dir) });
    await writeFile(dir, '20260101000000_a.sql', 'create table public.a (id bigint);\n');
    await writeFile(dir, '20260102000000_b.sql', 'create table public.b (id int);\n');
    const e = await rejection(runMigrations(db.url, { settings: settings(dir) }), MigrationChangedError, 1);
    expect(e.name).toBe('MigrationChangedError');
    expect(e.message).toContain('20260101000000_a.sql');
    expect(e.hint).toMatch(/new migration/);
    const [b] = await db.sql`select to_regclass('public.b') as b`;
    expect(b!.b).toBeNull();
  });

  it('reports a version in the database with no file', async () => {
    const dir = await migrationDir({ '20260101000000_a.sql': 'select 1;\n' });
    await runMigrations(db.url, { settings: settings(dir) });
    await db.sql`insert into dreamdb.migrations (version, name, checksum, applied_at, applied_by) values ('20250101000000', 'ghost', 'x', now(), 'test')`;
    const warnings: string[] = [];
    await runMigrations(db.url, {
      settings: settings(dir),
      onEvent: (e) => e.type === 'warning' && warnings.push(e.message),
    });
    expect(warnings.join('\n')).toContain('20250101000000 (ghost)');
  });

  it('applies each file exactly once when two runs race', async () => {
    const dir = await migrationDir({
      '20260101000000_a.sql':
        'create table public.runs (n int);\ninsert into public.runs values (1);\nselect pg_sleep(0.3);\n',
      '20260102000000_b.sql': 'insert into public.runs values (2);\n',
    });
    const [r1, r2] = await Promise.all([
      runMigrations(db.url, { settings: settings(dir) }),
      runMigrations(db.url, { settings: settings(dir) }),
    ]);
    expect(r1.applied.length + r2.applied.length).toBe(2);
    expect([r1.applied.length, r2.applied.length].sort()).toEqual([0, 2]);
    const rows = await db.sql`select n from public.runs order by n`;
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
  });

  it('gives up waiting for another run after the wait timeout', async () => {
    const dir = await migrationDir({ '20260101000000_a.sql': 'select 1;\n' });
    const holder = connect(db.url);
    try {
      await holder`select pg_advisory_lock(7424051239001)`;
      const e = await rejection(runMigrations(db.url, { settings: settings(dir, { waitMs: 300 }) }), DreamdbError, 1);
      expect(e.message).toMatch(/Another dreamdb migrate is running/);
    } finally {
      await holder.end();
    }
  });

  it('retries DDL that cannot get its lock in time, and succeeds once the blocker ends', async () => {
    const dir = await migrationDir({ '20260101000000_a.sql': 'create table public.busy (id int);\n' });
    await runMigrations(db.url, { settings: settings(dir) });
    await writeFile(dir, '20260102000000_b.sql', 'alter table public.busy add column x int;\n');
    const blocker = connect(db.url);
    const retries: number[] = [];
    try {
      const reserved = await blocker.reserve();
      await reserved`begin`;
      await reserved`lock table public.busy in access share mode`;
      let retried!: () => void;
      const firstRetry = new Promise<void>((r) => (retried = r));
      const run = runMigrations(db.url, {
        settings: settings(dir, { lockTimeoutMs: 100, lockRetries: 10 }),
        onEvent: (e) => {
          if (e.type !== 'retry') return;
          retries.push(e.attempt);
          retried();
        },
      });
      // The blocker ends once migrate has waited and backed off at least once (not after a fixed sleep).
      await Promise.race([firstRetry, run]);
      await reserved`commit`;
      reserved.release();
      const result = await run;
      expect(result.applied.map((a) => a.version)).toEqual(['20260102000000']);
      expect(retries.length).toBeGreaterThan(0);
    } finally {
      await blocker.end();
    }
  });

  it('fails clearly when the lock never comes', async () => {
    const dir = await migrationDir({ '20260101000000_a.sql': 'create table public.busy2 (id int);\n' });
    await runMigrations(db.url, { settings: settings(dir) });
    await writeFile(dir, '20260102000000_b.sql', 'alter table public.busy2 add column x int;\n');
    const blocker = connect(db.url);
    try {
      const reserved = await blocker.reserve();
      await reserved`begin`;
      await reserved`lock table public.busy2 in access share mode`;
      const e = await rejection(
        runMigrations(db.url, { settings: settings(dir, { lockTimeoutMs: 50, lockRetries: 2 }) }),
        DreamdbError,
        1,
      );
      expect(e.message).toMatch(/Could not take a lock within 50 ms after 2 attempts/);
      await reserved`rollback`;
      reserved.release();
    } finally {
      await blocker.end();
    }
    const versions = await db.sql`select version from dreamdb.migrations order by version`;
    expect(versions).toHaveLength(1);
  });

  it('runs a no-transaction file statement by statement and resumes after a failure', async () => {
    const dir = await migrationDir({
      '20260101000000_t.sql':
        'create table public.big (id int, v int);\ninsert into public.big select g, g from generate_series(1, 100) g;\n',
      '20260102000000_idx.sql':
        '-- dreamdb:no-transaction\ncreate index concurrently if not exists big_v on public.big (v);\ninsert into public.big values (1000, 1000);\ncreate unique index concurrently if not exists big_id on public.big (id);\n',
    });
    await runMigrations(db.url, { settings: settings(dir) });
    // Start over with a failing unique index: duplicate ids make the concurrent build fail.
    await db.sql`drop index public.big_id`;
    await db.sql`delete from dreamdb.migrations where version = '20260102000000'`;
    await db.sql`delete from supabase_migrations.schema_migrations where version = '20260102000000'`; // else it is adopted
    await db.sql`delete from public.big where id = 1000`;
    await db.sql`insert into public.big values (1, 1)`;
    const e = await rejection(runMigrations(db.url, { settings: settings(dir) }), DreamdbError, 1);
    expect(e.message).toContain('20260102000000_idx.sql:4:');
    const [progress] =
      await db.sql`select statements_done, applied_at from dreamdb.migrations where version = '20260102000000'`;
    expect(progress).toEqual({ statements_done: 2, applied_at: null });
    // The failed build left an INVALID index behind; fix the data and rerun: it is rebuilt valid.
    const [invalid] =
      await db.sql`select count(*)::int as n from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'big_id' and not i.indisvalid`;
    expect(invalid!.n).toBe(1);
    await db.sql`delete from public.big where ctid = (select max(ctid) from public.big where id = 1)`;
    const resumed = await runMigrations(db.url, { settings: settings(dir) });
    expect(resumed.applied.map((a) => a.version)).toEqual(['20260102000000']);
    const [valid] =
      await db.sql`select bool_and(i.indisvalid) as ok, count(*)::int as n from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'big_id'`;
    expect(valid).toEqual({ ok: true, n: 1 });
    const [{ n }] = (await db.sql`select count(*)::int as n from public.big where id = 1000`) as unknown as [
      { n: number },
    ];
    expect(n).toBe(1); // statement 2 ran once, not again on resume
  });

  it('resumes an unfinished no-transaction file whose failed statement was fixed, and refuses one whose done statements were edited', async () => {
    const head = '-- dreamdb:no-transaction\ncreate table public.r (id int);\n';
    const dir = await migrationDir({ '20260101000000_r.sql': `${head}insert into public.nosuch values (1);\n` });
    const failed = (await runMigrations(db.url, { settings: settings(dir) }).catch((x: unknown) => x)) as DreamdbError;
    expect(failed).toBeInstanceOf(DreamdbError);
    expect(failed.message).toContain('20260101000000_r.sql:3:');
    // The fix of the statement that failed: the run resumes after the statement already done.
    await writeFile(dir, '20260101000000_r.sql', `${head}insert into public.r values (1);\n`);
    const plan = await runMigrations(db.url, { settings: settings(dir), dryRun: true });
    expect(plan.plan.changed).toEqual([]);
    expect(plan.plan.partial.map((p) => p.file.version)).toEqual(['20260101000000']);
    const resumed = await runMigrations(db.url, { settings: settings(dir) });
    expect(resumed.applied.map((a) => a.version)).toEqual(['20260101000000']);
    const [{ n }] = (await db.sql`select count(*)::int as n from public.r`) as unknown as [{ n: number }];
    expect(n).toBe(1);

    const dir2 = await migrationDir({
      '20260102000000_s.sql':
        '-- dreamdb:no-transaction\ncreate table public.s (id int);\ninsert into public.nosuch values (1);\n',
    });
    await runMigrations(db.url, { settings: settings(dir2) }).catch(() => undefined);
    await writeFile(
      dir2,
      '20260102000000_s.sql',
      '-- dreamdb:no-transaction\ncreate table public.s (id bigint);\ninsert into public.s values (1);\n',
    );
    const changed = (await runMigrations(db.url, { settings: settings(dir2) }).catch(
      (x: unknown) => x,
    )) as DreamdbError;
    expect(changed.name).toBe('MigrationChangedError');
  });

  it('stops at --to, and a dry run changes nothing', async () => {
    const dir = await migrationDir({
      '20260101000000_a.sql': 'create table public.a (id int);\n',
      '20260102000000_b.sql': 'create table public.b (id int);\n',
    });
    const dry = await runMigrations(db.url, { settings: settings(dir), dryRun: true });
    expect(dry.plan.pending).toHaveLength(2);
    expect(dry.base).toBe('would-install');
    const [none] = await db.sql`select to_regnamespace('dreamdb') as s, to_regclass('public.a') as a`;
    expect(none).toEqual({ s: null, a: null });
    const partial = await runMigrations(db.url, { settings: settings(dir), to: '20260101000000' });
    expect(partial.applied.map((a) => a.version)).toEqual(['20260101000000']);
    expect(partial.plan.deferred.map((f) => f.version)).toEqual(['20260102000000']);
  });

  it('skips the base on a Supabase project (auth.users owned by Supabase Auth)', async () => {
    const dir = await migrationDir({ '20260101000000_a.sql': 'select 1;\n' });
    await db.sql`do $$ begin create role supabase_auth_admin nologin; exception when duplicate_object then null; end $$`;
    try {
      await db.sql`create schema auth`;
      await db.sql`create table auth.users (id uuid primary key)`;
      await db.sql`alter table auth.users owner to supabase_auth_admin`;
      const result = await runMigrations(db.url, { settings: settings(dir) });
      expect(result.base).toBe('skipped-supabase');
      const [s] = await db.sql`select to_regnamespace('storage') as s`;
      expect(s!.s).toBeNull();
    } finally {
      await db.sql`drop table if exists auth.users`;
      await db.sql`drop role if exists supabase_auth_admin`.catch(() => {});
    }
  });
});

afterAll(async () => {
  for (const d of dbs) await d.drop().catch(() => {});
});
