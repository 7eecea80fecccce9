/**
 * kill -9 at named points (issue 12): the process dies with a statement in flight, so the server
 * may finish (and commit) what the client never hears about. A rerun converges, and nothing runs
 * twice or is left half-applied.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { createTestDatabase, migratedDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { artistRows, backendsWhen } from './pg.js';
import { seedDatabase } from '../backup/seed.js';
import { cell } from './matrix.js';

let admin: Sql;
let work: string;
beforeAll(async () => {
  admin = connect(serverUrl(), { max: 1 });
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-kill9-'));
});
afterAll(async () => {
  await admin.end();
  await fs.rm(work, { recursive: true, force: true });
});

/**
 * Starts the CLI, SIGKILLs it once one of its backends is running `queryLike`, then waits until the
 * server has finished with that backend (the orphaned statement completes or is rolled back).
 */
async function killWhen(
  args: string[],
  options: { cwd?: string },
  database: string,
  application: string,
  queryLike: string,
): Promise<{ result: CliResult; killed: boolean }> {
  const { child, done } = startCli(args, options);
  let finished = false;
  void done.then(() => (finished = true));
  const pids = await backendsWhen(admin, { database, application, queryLike, activeOnly: true }, () => finished);
  if (pids.length) child.kill('SIGKILL');
  const result = await done;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const rows = await admin`select 1 from pg_stat_activity where pid = any(${pids}::int[])`;
    if (!rows.length) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { result, killed: pids.length > 0 };
}

async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(path.join(dir, 'migrations'), { recursive: true });
  await fs.writeFile(path.join(dir, 'dreamdb.config.json'), JSON.stringify({ migrations: { dir: 'migrations' } }));
  for (const [file, text] of Object.entries(files)) await fs.writeFile(path.join(dir, 'migrations', file), text);
  return dir;
}

describe('kill -9 with a statement in flight', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('kill9');
  });
  afterEach(async () => {
    await db.drop();
  });
  const log = async () =>
    Object.fromEntries(
      (await db.sql<{ what: string; n: number }[]>`select what, count(*)::int as n from app.log group by what`).map(
        (r) => [r.what, r.n],
      ),
    );

  it('migrate, inside a no-transaction file: the statement the server finished is never run again', async () => {
    cell('migrate', 'kill -9 inside a no-transaction file');
    const dir = await project('notx', {
      '20260101000000_log.sql':
        'create schema app;\ncreate table app.log (id serial primary key, what text not null);\n',
      '20260102000000_slow.sql':
        "-- dreamdb:no-transaction\ninsert into app.log (what) values ('first');\n" +
        "insert into app.log (what) select 'slow' from pg_sleep(2);\ninsert into app.log (what) values ('after');\n",
    });
    const args = ['migrate', '--db', db.url];
    const { result, killed } = await killWhen(args, { cwd: dir }, db.name, 'dreamdb%', "%'slow' from pg_sleep%");
    expect(killed, result.stderr).toBe(true);
    expect(result.code).toBe(128); // killed by a signal
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(await log()).toEqual({ first: 1, slow: 1, after: 1 });
    const [ledger] =
      await db.sql`select count(*)::int as n, count(*) filter (where applied_at is null)::int as partial from dreamdb.migrations where version like '2026010%'`;
    expect(ledger).toEqual({ n: 2, partial: 0 });
  });

  it('migrate, inside a transactional file: nothing of it stays, and the rerun applies it once', async () => {
    cell('migrate', 'kill -9 inside a transactional file');
    const dir = await project('tx', {
      '20260101000000_log.sql':
        'create schema app;\ncreate table app.log (id serial primary key, what text not null);\n',
      '20260103000000_tx.sql':
        "create table app.t3 (x int);\ninsert into app.log (what) select 'tx' from pg_sleep(2);\ncreate table app.t4 (x int);\n",
    });
    const args = ['migrate', '--db', db.url];
    const { result, killed } = await killWhen(args, { cwd: dir }, db.name, 'dreamdb%', "%'tx' from pg_sleep%");
    expect(killed, result.stderr).toBe(true);
    const [half] = await db.sql<{ t3: string | null; row: number }[]>`
      select to_regclass('app.t3')::text as t3, (select count(*)::int from dreamdb.migrations where version = '20260103000000') as row`;
    expect(half).toEqual({ t3: null, row: 0 });
    const again = await runCli(args, { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect((await log()).tx).toBe(1);
    const [after] = await db.sql`select to_regclass('app.t4')::text as t4`;
    expect(after).toEqual({ t4: 'app.t4' });
  });
});

describe('kill -9 mid-COPY', () => {
  let source: TestDatabase;
  beforeAll(async () => {
    source = await migratedDatabase('kill9src');
    await seedDatabase(source.sql, { artists: 6, days: 400, platforms: 3 });
  });
  afterAll(async () => {
    await source.drop();
  });

  const volume = async (sql: Sql) =>
    (
      await sql<{ artists: number; metrics: number }[]>`
      select (select count(*)::int from public.artists) as artists, (select count(*)::int from public.metrics) as metrics`
    )[0]!;

  it('seed: the killed run leaves nothing generated; the rerun seeds exactly what an undisturbed run does', async () => {
    cell('seed', 'kill -9 mid-COPY');
    const killedDb = await migratedDatabase('kill9seed');
    const cleanDb = await migratedDatabase('kill9seedref');
    try {
      const args = (url: string) => ['seed', '--db', url, '--scale', 'small', '--yes'];
      const { result, killed } = await killWhen(args(killedDb.url), {}, killedDb.name, 'dreamdb%', '%copy%');
      if (killed) {
        const [row] = await killedDb.sql<
          { n: number }[]
        >`select count(*)::int as n from public.artists where username like 'gen%'`;
        expect(row!.n).toBe(0);
      } else expect(result.code, result.stderr).toBe(0);
      const again = await runCli(args(killedDb.url));
      expect(again.code, again.stderr).toBe(0);
      const clean = await runCli(args(cleanDb.url));
      expect(clean.code, clean.stderr).toBe(0);
      expect(await volume(killedDb.sql)).toEqual(await volume(cleanDb.sql));
    } finally {
      await killedDb.drop();
      await cleanDb.drop();
    }
  });

  it('restore: the killed run leaves the target as it was; the rerun restores every row', async () => {
    cell('restore', 'kill -9 mid-COPY');
    const out = path.join(work, 'backup');
    const backup = await runCli(['backup', '--db', source.url, '--out', out]);
    expect(backup.code, backup.stderr).toBe(0);
    const [dir] = await fs.readdir(out);
    const target = await createTestDatabase('kill9restore');
    try {
      const args = ['restore', path.join(out, dir!), '--db', target.url];
      const { result, killed } = await killWhen(args, {}, target.name, 'dreamdb%', '%copy%');
      expect(killed, result.stderr).toBe(true);
      expect(await artistRows(target.sql)).toBe(0);
      const again = await runCli(args);
      expect(again.code, again.stderr).toBe(0);
      expect(await volume(target.sql)).toEqual(await volume(source.sql));
    } finally {
      await target.drop();
    }
  });
});
