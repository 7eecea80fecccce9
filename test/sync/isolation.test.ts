/**
 * Tenancy and the catalog: another artist's rows are never pulled, another artist's cursor or ids
 * yield nothing of theirs, the RPCs are closed to anon, and metrics partitions made later by
 * rotation carry the sync columns and triggers.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../../src/db/impersonate.js';
import { artistActor, syncPull, syncPullAll, syncPush } from '../../src/sync/client.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { artistIdsIn, createArtists, deletedIds, updatedIds } from './helpers.js';

let db: TestDatabase;
let a: string;
let b: string;

beforeAll(async () => {
  db = await migratedDatabase('sync_isolation');
  [a, b] = (await createArtists(db.sql, 2)) as [string, string];
  for (const id of [a, b]) {
    await db.sql`insert into public.tasks (artist_id, title) values (${id!}, ${'task of ' + id})`;
    await db.sql`insert into public.metrics (artist_id, platform, metric_date) values (${id!}, 'spotify', current_date)`;
    await db.sql`insert into public.insights (artist_id, type, title) values (${id!}, 'brand', 'insight')`;
    await db.sql`insert into public.notifications (artist_id, type, title, body) values (${id!}, 'system', 't', 'b')`;
    await db.sql`insert into public.achievements (artist_id, type, name) values (${id!}, 'badge', 'n')`;
    await db.sql`insert into public.content (artist_id, content_type) values (${id!}, 'post')`;
    await db.sql`insert into public.platform_connections (artist_id, platform, platform_user_id, access_token_encrypted)
                 values (${id!}, 'spotify', ${'sp-' + id}, '\\xdeadbeef')`;
  }
});

afterAll(async () => {
  await db?.drop();
});

describe('sync isolation', () => {
  it("pulls only the caller's own rows, from every synced table, without secret columns", async () => {
    const pulled = await syncPullAll(db.sql, artistActor(a!), null);
    expect([...artistIdsIn(pulled.pages)]).toEqual([a]);
    expect(Object.keys(pulled.pages[0]!.changes).sort()).toEqual([
      'achievements',
      'artists',
      'content',
      'insights',
      'metrics',
      'notifications',
      'platform_connections',
      'tasks',
    ]);
    const connection = pulled.pages[0]!.changes.platform_connections!.updated[0]!;
    expect(Object.keys(connection)).not.toContain('access_token_encrypted');
    expect(Object.keys(connection)).toEqual(expect.arrayContaining(['updated_at', 'version', 'platform_user_id']));
  });

  it("another artist's cursor yields nothing of theirs", async () => {
    const { cursor: before } = await syncPullAll(db.sql, artistActor(b!), null);
    const { id: secret } = (
      await db.sql<
        { id: string }[]
      >`insert into public.tasks (artist_id, title) values (${b!}, 'b secret') returning id`
    )[0]!;
    await db.sql`delete from public.tasks where artist_id = ${b!} and title = ${'task of ' + b}`;
    const theirs = await syncPullAll(db.sql, artistActor(b!), before);
    expect(updatedIds(theirs.pages, 'tasks')).toEqual([secret]);
    // A's pull from B's cursor (and from B's cursor pages) shows only A's rows, never B's.
    for (const cursor of [before, theirs.cursor]) {
      const mine = await syncPullAll(db.sql, artistActor(a!), cursor);
      expect([...artistIdsIn(mine.pages)].filter((id) => id !== a)).toEqual([]);
      expect(updatedIds(mine.pages, 'tasks')).not.toContain(secret);
      expect(deletedIds(mine.pages, 'tasks')).toEqual([]);
    }
  });

  it("another artist's row ids answer exactly like ids that exist nowhere, and change nothing", async () => {
    const { id: theirs, version } = (
      await db.sql<{ id: string; version: number }[]>`
      select id, version::int from public.tasks where artist_id = ${b!} limit 1`
    )[0]!;
    const nowhere = randomUUID();
    const attempt = (row: string) =>
      syncPush(db.sql, artistActor(a!), [
        {
          id: randomUUID(),
          table: 'tasks',
          op: 'update',
          row_id: row,
          base_version: version,
          values: { title: 'hijack' },
        },
        { id: randomUUID(), table: 'tasks', op: 'delete', row_id: row, base_version: version },
      ]);
    const other = await attempt(theirs);
    const absent = await attempt(nowhere);
    expect(other.map((r) => [r.status, r.reason?.replace(theirs, 'X')])).toEqual(
      absent.map((r) => [r.status, r.reason?.replace(nowhere, 'X')]),
    );
    expect(other.every((r) => r.status === 'rejected')).toBe(true);
    const [row] = await db.sql`select title, version::int from public.tasks where id = ${theirs}`;
    expect(row).toEqual({ title: expect.not.stringMatching('hijack'), version });
    // A mutation id B used is A's own namespace: no replay of B's outcome.
    const mid = randomUUID();
    await syncPush(db.sql, artistActor(b!), [
      { id: mid, table: 'tasks', op: 'insert', row_id: randomUUID(), values: { title: 'b' } },
    ]);
    const reuse = await syncPush(db.sql, artistActor(a!), [
      { id: mid, table: 'tasks', op: 'insert', row_id: randomUUID(), values: { title: 'a' } },
    ]);
    expect(reuse[0]).toMatchObject({ status: 'applied', replayed: false });
  });

  it('a row the server moves to another artist is a tombstone for the old one', async () => {
    const { cursor } = await syncPullAll(db.sql, artistActor(a!), null);
    const { id } = (await db.sql<{ id: string }[]>`select id from public.content where artist_id = ${a!} limit 1`)[0]!;
    await db.sql`update public.content set artist_id = ${b!} where id = ${id}`;
    const mine = await syncPullAll(db.sql, artistActor(a!), cursor);
    expect(deletedIds(mine.pages, 'content')).toEqual([id]);
  });

  it('RPCs: SECURITY INVOKER, fixed search_path, executable by authenticated only', async () => {
    const rows = await db.sql<
      { fn: string; definer: boolean; config: string[]; anon: boolean; auth: boolean; service: boolean; pub: boolean }[]
    >`
      select p.oid::regprocedure::text as fn, p.prosecdef as definer, p.proconfig as config,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('authenticated', p.oid, 'execute') as auth,
             has_function_privilege('service_role', p.oid, 'execute') as service,
             exists (select 1 from aclexplode(p.proacl) x where x.grantee = 0) as pub
      from pg_proc p where p.proname in ('sync_pull', 'sync_push') order by 1`;
    expect(rows).toEqual([
      {
        fn: 'sync_pull(text,integer)',
        definer: false,
        config: ['search_path=""'],
        anon: false,
        auth: true,
        service: false,
        pub: false,
      },
      {
        fn: 'sync_push(jsonb)',
        definer: false,
        config: ['search_path=""'],
        anon: false,
        auth: true,
        service: false,
        pub: false,
      },
    ]);
    await expect(asUser(db.sql, { role: 'anon' }, (tx) => tx`select public.sync_pull(null)`)).rejects.toMatchObject({
      code: '42501',
    });
    // The log and the ledger: RLS on; the log is written only by the triggers (as its owner, so
    // not forced), the ledger only by sync_push as the caller (forced).
    const tables = await db.sql`select relname, relrowsecurity, relforcerowsecurity from pg_class
      where relnamespace = 'sync'::regnamespace and relkind = 'r' order by 1`;
    expect(tables).toEqual([
      { relname: 'changes', relrowsecurity: true, relforcerowsecurity: false },
      { relname: 'mutations', relrowsecurity: true, relforcerowsecurity: true },
    ]);
    const definers = await db.sql<{ fn: string }[]>`select p.oid::regprocedure::text as fn from pg_proc p
      where p.prosecdef and p.pronamespace = 'sync'::regnamespace order by 1`;
    expect(definers.map((d) => d.fn)).toEqual([
      'sync.log_artist_change()',
      'sync.log_change()',
      'sync.safe_horizon(pg_snapshot)',
    ]);
    // Logging never decides whether a write succeeds: anon writing metrics (were it granted)
    // is refused by metrics' own privileges, not by the log.
    const { anonLog } = (
      await db.sql<{ anonLog: boolean }[]>`select has_table_privilege('anon', 'sync.changes', 'insert') as "anonLog"`
    )[0]!;
    expect(anonLog).toBe(false);
    for (const owner of [a!, b!]) {
      await expect(
        asUser(
          db.sql,
          artistActor(a!),
          (tx) =>
            tx`insert into sync.changes (artist_id, table_name, row_id, op) values (${owner}, 'tasks', ${randomUUID()}, 'delete')`,
        ),
      ).rejects.toMatchObject({ code: '42501' });
    }
    await expect(asUser(db.sql, artistActor(a!), (tx) => tx`delete from sync.changes`)).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('a metrics partition created later by rotation stamps versions and logs changes', async () => {
    const year = new Date().getUTCFullYear() + 3;
    const { status } = (
      await db.sql<{ status: string }[]>`select dreamdb.create_metrics_partition_table(${year}::int) as status`
    )[0]!;
    expect(status).toBe('created');
    await db.sql`select dreamdb.attach_metrics_partition(${year}::int)`;
    const { cursor } = await syncPullAll(db.sql, artistActor(a!), null);
    const metricDate = `${year}-03-01`;
    const { id } = (
      await db.sql<{ id: string }[]>`
      insert into public.metrics (artist_id, platform, metric_date, updated_at, version)
      values (${a!}, 'youtube', ${metricDate}::date, '2001-01-01', 77) returning id`
    )[0]!;
    await db.sql`update public.metrics set followers = 5 where id = ${id}`;
    const [row] =
      await db.sql`select tableoid::regclass::text as part, version::int, updated_at > '2001-01-02' as fresh from public.metrics where id = ${id}`;
    expect(row).toEqual({ part: `metrics_y${year}`, version: 2, fresh: true });
    const pulled = await syncPullAll(db.sql, artistActor(a!), cursor);
    expect(updatedIds(pulled.pages, 'metrics')).toEqual([id]);
    await db.sql`delete from public.metrics where id = ${id}`;
    const gone = await syncPull(db.sql, artistActor(a!), pulled.cursor);
    expect(gone.changes.metrics?.deleted).toEqual([id]);
    const triggers = await db.sql<
      { tgname: string }[]
    >`select tgname from pg_trigger where tgrelid = ${`public.metrics_y${year}`}::regclass and tgname like 'sync%' order by 1`;
    expect(triggers.map((t) => t.tgname)).toEqual([
      'sync_log_delete',
      'sync_log_insert',
      'sync_log_update',
      'sync_stamp_insert',
      'sync_stamp_update',
    ]);
  });
});
