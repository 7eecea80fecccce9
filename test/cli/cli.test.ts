import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { BIN, runCli, startCli } from '../helpers/cli.js';

let db: TestDatabase;
let project: string;
beforeAll(async () => {
  db = await createTestDatabase('cli');
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-cli-'));
  await fs.mkdir(path.join(project, 'sql/migrations'), { recursive: true });
  await fs.writeFile(
    path.join(project, 'sql/migrations/20260101000000_one.sql'),
    'create table public.one (id int);\nalter table public.one enable row level security;\n',
  );
});
afterAll(async () => {
  await db?.drop();
});

describe('dreamdb binary', () => {
  it('lists every command in --help and explains exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['migrate', 'status', 'migration', 'db']) expect(r.stdout).toContain(cmd);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*130/);
    const sub = await runCli(['migrate', '--help']);
    expect(sub.stdout).toContain('--dry-run');
    expect(sub.stdout).toContain('--to <version>');
  });

  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('starts from the shipped entry, bin/dreamdb.js, on the sources', async () => {
    // The other tests spawn the run's compiled build; this one covers the entry users run.
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const env = { ...process.env, DREAMDB_FROM_SOURCE: '1', NO_COLOR: '1' };
      execFile(process.execPath, [BIN, '--version'], { env }, (error, stdout) =>
        resolve({ code: error ? 1 : 0, stdout }),
      );
    });
    const pkg = JSON.parse(await fs.readFile('package.json', 'utf8')) as { version: string };
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('exits 2 on an unknown option', async () => {
    const r = await runCli(['migrate', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it('migrates, reports status as JSON, and gates CI with exit 3 while anything is pending', async () => {
    const pending = await runCli(['--db', db.url, 'status', '--json'], { cwd: project });
    expect(pending.code).toBe(3);
    expect(JSON.parse(pending.stdout).counts.pending).toBe(1);
    const m = await runCli(['--db', db.url, 'migrate', '--json'], { cwd: project });
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).applied.map((a: { version: string }) => a.version)).toEqual(['20260101000000']);
    const ok = await runCli(['--db', db.url, 'status'], { cwd: project });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 applied, 0 pending');
  });

  it('migrate --dry-run prints the plan and logs no "done"; the old --lock-timeout still works, with a note', async () => {
    const r = await runCli(['--db', db.url, 'migrate', '--dry-run', '--lock-timeout', '5s'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan for');
    expect(r.stderr).toMatch(/deprecated: --lock-timeout .*use --wait-timeout/);
    expect(r.stderr).not.toMatch(/\bdone\b/);
    const renamed = await runCli(['--db', db.url, 'migrate', '--wait-timeout', '5s', '--json'], { cwd: project });
    expect(renamed.code).toBe(0);
    expect(renamed.stderr).not.toContain('deprecated');
  });

  it('takes the target from DATABASE_URL', async () => {
    const r = await runCli(['status', '--json'], { cwd: project, env: { DATABASE_URL: db.url } });
    expect(JSON.parse(r.stdout).target).toContain(db.name);
  });

  it('explains an unreachable server in one line, exit 2, without the password', async () => {
    const r = await runCli(['--db', 'postgresql://app:s3cret-pw@127.0.0.1:1/app', 'migrate'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Cannot connect to postgresql://app:*****@127.0.0.1:1/app: nothing is listening there.');
    expect(r.stderr + r.stdout).not.toContain('s3cret-pw');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it('rejects a malformed URL and a missing database with exit 2', async () => {
    const bad = await runCli(['--db', 'mysql://x:pw-123@h/db', 'status']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('pw-123');
    const url = new URL(serverUrl());
    url.pathname = '/dreamdb_no_such_database';
    url.password = 'hunter22';
    const missing = await runCli(['--db', url.toString(), 'status'], { cwd: project });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('the database does not exist');
    expect(missing.stderr).not.toContain('hunter22');
  });

  it('reports a wrong password as exit 2 without echoing it', async (ctx) => {
    // Needs a server that checks passwords for non-superusers (the embedded one does; trust-only servers cannot).
    const admin = connect(serverUrl());
    const [rule] =
      await admin`select count(*)::int as n from pg_hba_file_rules where auth_method in ('scram-sha-256', 'md5', 'password') and 'all' = any(user_name)`.catch(
        () => [{ n: 0 }],
      );
    if (!rule || rule.n === 0) {
      await admin.end();
      ctx.skip(); // this server trusts every login (the machine's PG 15): a wrong password cannot fail
      return;
    }
    await admin`do $$ begin create role dreamdb_pw_test login password 'right-password'; exception when duplicate_object then null; end $$`;
    await admin.end();
    const url = new URL(db.url);
    url.username = 'dreamdb_pw_test';
    url.password = 'wrong-password-xyz';
    const r = await runCli(['--db', url.toString(), 'status'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('password authentication failed');
    expect(r.stderr).not.toContain('wrong-password-xyz');
  });

  it('reports every problem of a malformed config file at once, exit 2', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-cfg-'));
    await fs.writeFile(
      path.join(dir, 'dreamdb.config.json'),
      JSON.stringify({ db: { url: 42 }, migrations: { lockTimeout: 'soon', extra: 1 }, nope: true }),
    );
    const r = await runCli(['status'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('db.url:');
    expect(r.stderr).toContain('migrations.lockTimeout:');
    expect(r.stderr).toContain('migrations.extra: unknown key');
    expect(r.stderr).toContain('nope: unknown key');
    await fs.writeFile(path.join(dir, 'dreamdb.config.json'), '{ "db": ');
    const syntax = await runCli(['status'], { cwd: dir });
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain('is not valid JSON');
  });

  it('loads a dreamdb.config.ts', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-cfgts-'));
    await fs.mkdir(path.join(dir, 'db/migrations'), { recursive: true });
    await fs.writeFile(path.join(dir, 'db/migrations/20260101000000_x.sql'), 'select 1;\n');
    await fs.writeFile(
      path.join(dir, 'dreamdb.config.ts'),
      `const config: { db: { urlEnv: string }; migrations: { dir: string } } = { db: { urlEnv: 'MY_DB' }, migrations: { dir: 'db/migrations' } };\nexport default config;\n`,
    );
    const r = await runCli(['status', '--json'], { cwd: dir, env: { MY_DB: db.url } });
    expect(JSON.parse(r.stdout).entries[0].name).toBe('x');
  });

  it('asks for typed confirmation on a production target, and refuses without a TTY or --yes', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-prod-'));
    await fs.mkdir(path.join(dir, 'sql/migrations'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'sql/migrations/20260201000000_p.sql'),
      'create table public.prod_only (id int);\nalter table public.prod_only enable row level security;\n',
    );
    await fs.writeFile(path.join(dir, 'dreamdb.config.json'), JSON.stringify({ db: { label: 'production' } }));
    const refused = await runCli(['--db', db.url, 'migrate'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/PRODUCTION[\s\S]*--yes/);
    const [before] = await db.sql`select to_regclass('public.prod_only') as t`;
    expect(before!.t).toBeNull();
    const yes = await runCli(['--db', db.url, 'migrate', '--yes'], { cwd: dir });
    expect(yes.code).toBe(0);
  });

  it('run from a subdirectory, works on the project root: its migrations, its embedded server, no new .dreamdb', async () => {
    const sub = path.join(project, 'src', 'lib');
    await fs.mkdir(sub, { recursive: true });
    const st = await runCli(['--db', db.url, 'status', '--json'], { cwd: sub });
    const { counts } = JSON.parse(st.stdout) as { counts: { applied: number; pending: number } };
    expect(counts.applied + counts.pending, st.stderr).toBe(1);
    const emb = await runCli(['db', 'status', '--json'], { cwd: sub });
    expect(JSON.parse(emb.stdout).dataDir).toBe(path.join(await fs.realpath(project), '.dreamdb'));
    await expect(fs.access(path.join(sub, '.dreamdb'))).rejects.toThrow();
  });

  it('creates the next migration with a UTC version and a header', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-new-'));
    const r = await runCli(['migration', 'new', 'Add artist bio', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.path).toMatch(/^sql\/migrations\/\d{14}_add_artist_bio\.sql$/);
    const text = await fs.readFile(path.join(dir, out.path), 'utf8');
    expect(text).toMatch(/^-- add_artist_bio/);
    const again = JSON.parse(
      (await runCli(['migration', 'new', 'next', '--no-transaction', '--json'], { cwd: dir })).stdout,
    );
    expect(BigInt(again.version)).toBeGreaterThan(BigInt(out.version));
    expect(await fs.readFile(path.join(dir, again.path), 'utf8')).toMatch(/^-- dreamdb:no-transaction/);
  });

  it('survives kill -9 in the middle of a migration: the rerun applies it exactly once', async () => {
    const target = await createTestDatabase('kill');
    try {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-kill-'));
      await fs.mkdir(path.join(dir, 'sql/migrations'), { recursive: true });
      await fs.writeFile(
        path.join(dir, 'sql/migrations/20260101000000_slow.sql'),
        'create table public.slow (id int);\nalter table public.slow enable row level security;\ninsert into public.slow values (1);\nselect pg_sleep(1.5);\n',
      );
      const run = startCli(['--db', target.url, 'migrate'], { cwd: dir });
      // Wait until the file is being applied, then kill the client outright.
      for (let i = 0; i < 100; i += 1) {
        const rows =
          await target.sql`select 1 from pg_stat_activity where query like '%pg_sleep(1.5)%' and pid <> pg_backend_pid()`;
        if (rows.length) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      run.child.kill('SIGKILL');
      await run.done;
      const rerun = await runCli(['--db', target.url, 'migrate', '--json'], { cwd: dir });
      expect(rerun.code).toBe(0);
      expect(JSON.parse(rerun.stdout).applied.map((a: { version: string }) => a.version)).toEqual(['20260101000000']);
      const [row] = await target.sql`select count(*)::int as n from public.slow`;
      expect(row!.n).toBe(1);
    } finally {
      await target.drop();
    }
  });
});
