/**
 * sync_push: idempotent retries (sequential and concurrent), the version-check conflict rule,
 * server-owned columns, and tombstones pulled after deletes.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { artistActor, syncPullAll, syncPush, type Mutation } from '../../src/sync/client.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { createArtists, deletedIds, updatedIds } from './helpers.js';

let db: TestDatabase;
let artist: string;

beforeAll(async () => {
  db = await migratedDatabase('sync_push');
  artist = (await createArtists(db.sql, 1))[0]!;
});

afterAll(async () => {
  await db?.drop();
});

const insertTask = (row: string, title: string, extra: Record<string, unknown> = {}): Mutation => ({
  id: randomUUID(),
  table: 'tasks',
  op: 'insert',
  row_id: row,
  values: { title, ...extra },
});

async function logCount(): Promise<number> {
  const { n } = (
    await db.sql<{ n: number }[]>`select count(*)::int as n from sync.changes where artist_id = ${artist}`
  )[0]!;
  return n;
}

describe('sync_push', () => {
  it('applies a batch once: a retried batch is answered from the record and changes nothing', async () => {
    const me = artistActor(artist!);
    const row = randomUUID();
    const batch: Mutation[] = [
      insertTask(row, 'written offline'),
      {
        id: randomUUID(),
        table: 'tasks',
        op: 'update',
        row_id: row,
        base_version: 1,
        values: { title: 'edited offline', impact_score: 8 },
      },
    ];
    const first = await syncPush(db.sql, me, batch);
    expect(first.map((r) => [r.status, r.version, r.replayed])).toEqual([
      ['applied', 1, false],
      ['applied', 2, false],
    ]);
    const logged = await logCount();
    const [before] = await db.sql`select title, impact_score, version, updated_at from public.tasks where id = ${row}`;

    const retry = await syncPush(db.sql, me, batch);
    expect(retry.map((r) => [r.status, r.version, r.replayed])).toEqual([
      ['applied', 1, true],
      ['applied', 2, true],
    ]);
    const [after] = await db.sql`select title, impact_score, version, updated_at from public.tasks where id = ${row}`;
    expect(after).toEqual(before);
    expect(await logCount()).toBe(logged);
  });

  it('two copies of one batch racing on two connections apply it once', async () => {
    const me = artistActor(artist!);
    const row = randomUUID();
    const { v } = (await db.sql<{ v: number }[]>`select 1 as v`)[0]!;
    const batch = [
      insertTask(row, 'race'),
      {
        id: randomUUID(),
        table: 'tasks',
        op: 'update',
        row_id: row,
        base_version: v,
        values: { description: 'raced' },
      } as Mutation,
    ];
    const a = connect(db.url);
    const b = connect(db.url);
    try {
      const [ra, rb] = await Promise.all([syncPush(a, me, batch), syncPush(b, me, batch)]);
      const applied = [...ra, ...rb].filter((r) => r.status === 'applied' && !r.replayed);
      expect(applied).toHaveLength(2);
      expect([...ra, ...rb].filter((r) => r.replayed)).toHaveLength(2);
      expect([...ra, ...rb].every((r) => r.status === 'applied')).toBe(true);
      const [row_] = await db.sql`select version::int, description from public.tasks where id = ${row}`;
      expect(row_).toEqual({ version: 2, description: 'raced' });
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('rejects an edit made on an old version with a reason naming both versions; the other device re-bases', async () => {
    const me = artistActor(artist!);
    const row = randomUUID();
    await syncPush(db.sql, me, [insertTask(row, 'shared')]);
    const phone = await syncPush(db.sql, me, [
      { id: randomUUID(), table: 'tasks', op: 'update', row_id: row, base_version: 1, values: { title: 'phone' } },
    ]);
    const tablet = await syncPush(db.sql, me, [
      { id: randomUUID(), table: 'tasks', op: 'update', row_id: row, base_version: 1, values: { title: 'tablet' } },
    ]);
    expect(phone[0]).toMatchObject({ status: 'applied', version: 2 });
    expect(tablet[0]).toMatchObject({
      status: 'rejected',
      version: 2,
      reason: 'stale: the row is at version 2, this update was made on version 1',
    });
    const staleDelete = await syncPush(db.sql, me, [
      { id: randomUUID(), table: 'tasks', op: 'delete', row_id: row, base_version: 1 },
    ]);
    expect(staleDelete[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/^stale:/) });
    const rebased = await syncPush(db.sql, me, [
      { id: randomUUID(), table: 'tasks', op: 'update', row_id: row, base_version: 2, values: { title: 'tablet' } },
    ]);
    expect(rebased[0]).toMatchObject({ status: 'applied', version: 3 });
    const [final] = await db.sql`select title from public.tasks where id = ${row}`;
    expect(final).toEqual({ title: 'tablet' });
    // An update of a row deleted elsewhere is "gone", and so is a second delete.
    await syncPush(db.sql, me, [{ id: randomUUID(), table: 'tasks', op: 'delete', row_id: row, base_version: 3 }]);
    const late = await syncPush(db.sql, me, [
      { id: randomUUID(), table: 'tasks', op: 'update', row_id: row, base_version: 3, values: { title: 'late' } },
      { id: randomUUID(), table: 'tasks', op: 'delete', row_id: row, base_version: 3 },
    ]);
    expect(late.map((r) => r.reason?.split(':')[0])).toEqual(['gone', 'gone']);
  });

  it('never accepts server-owned columns, and stamps updated_at and version itself', async () => {
    const me = artistActor(artist!);
    const row = randomUUID();
    const out = await syncPush(db.sql, me, [
      insertTask(row, 'points', { points_reward: 1_000_000 }),
      insertTask(row, 'ok', { updated_at: '2000-01-01T00:00:00Z' }),
      insertTask(row, 'ok', { version: 99 }),
      insertTask(row, 'ok', { completed_at: '2020-01-01T00:00:00Z', ai_generated: true }),
      insertTask(row, 'ok', { _status: 'created', _changed: '' }),
      {
        id: randomUUID(),
        table: 'artists',
        op: 'update',
        row_id: artist!,
        base_version: 1,
        values: { subscription_tier: 'premium' },
      },
      {
        id: randomUUID(),
        table: 'insights',
        op: 'insert',
        row_id: randomUUID(),
        values: { title: 'fake', type: 'brand' },
      },
      {
        id: randomUUID(),
        table: 'metrics',
        op: 'update',
        row_id: randomUUID(),
        base_version: 1,
        values: { followers: 1 },
      },
      { id: randomUUID(), table: 'auth.users', op: 'delete', row_id: randomUUID(), base_version: 1 },
    ]);
    expect(out.map((r) => `${r.status} ${r.reason ?? ''}`)).toEqual([
      'rejected server_owned: points_reward not writable by the app',
      'rejected server_owned: updated_at not writable by the app',
      'rejected server_owned: version not writable by the app',
      'rejected server_owned: ai_generated, completed_at not writable by the app',
      'applied ',
      'rejected server_owned: subscription_tier not writable by the app',
      'rejected not_permitted: insert of insights rows is not allowed from the app',
      'rejected not_permitted: update of metrics rows is not allowed from the app',
      'rejected invalid: auth.users is not a synced table',
    ]);
    const [task] = await db.sql<{ points_reward: number; version: number; updated_at: Date }[]>`
      select points_reward, version::int, updated_at from public.tasks where id = ${row}`;
    expect(task!.points_reward).toBe(10);
    expect(task!.version).toBe(1);
    // Even the server cannot backdate updated_at or set the version: the trigger owns them.
    await db.sql`update public.tasks set title = 'server', updated_at = '2000-01-01', version = 42 where id = ${row}`;
    const [server] = await db.sql<
      { version: number; updated_at: Date }[]
    >`select version::int, updated_at from public.tasks where id = ${row}`;
    expect(server!.version).toBe(2);
    expect(server!.updated_at.getUTCFullYear()).toBeGreaterThan(2000);
  });

  it('reports invalid mutations one by one without failing the batch, and refuses non-arrays', async () => {
    const me = artistActor(artist!);
    const row = randomUUID();
    const out = await syncPush(db.sql, me, [
      { id: 'not-a-uuid', table: 'tasks', op: 'insert', row_id: row, values: { title: 'x' } },
      { id: randomUUID(), table: 'tasks', op: 'upsert' as never, row_id: row },
      { id: randomUUID(), table: 'tasks', op: 'update', row_id: row, values: { title: 'x' } },
      insertTask(row, 'x', { impact_score: 70 }),
      insertTask(row, 'fine'),
      insertTask(row, 'same id again'),
    ]);
    expect(out.map((r) => r.reason?.split(':')[0] ?? r.status)).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'applied',
      'exists',
    ]);
    await expect(
      db.sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: artist, role: 'authenticated' })}, true)`;
        await tx`select public.sync_push('{"id": 1}'::jsonb)`;
      }),
    ).rejects.toMatchObject({ code: '22023' });
  });

  it('leaves tombstones: deletes by the app and by the server reach every device as deleted ids', async () => {
    const me = artistActor(artist!);
    const { cursor } = await syncPullAll(db.sql, me, null);
    const appRow = randomUUID();
    const serverRow = randomUUID();
    const both = (ids: string[]) => ids.includes(appRow) && ids.includes(serverRow);
    await syncPush(db.sql, me, [insertTask(appRow, 'app'), insertTask(serverRow, 'server')]);
    const mid = await pullUntil(me, cursor, (pages) => both(updatedIds(pages, 'tasks')));
    expect(updatedIds(mid.pages, 'tasks').sort()).toEqual([appRow, serverRow].sort());
    await syncPush(db.sql, me, [{ id: randomUUID(), table: 'tasks', op: 'delete', row_id: appRow, base_version: 1 }]);
    await db.sql`delete from public.tasks where id = ${serverRow}`;
    const after = await pullUntil(me, mid.cursor, (pages) => both(deletedIds(pages, 'tasks')));
    expect(deletedIds(after.pages, 'tasks').sort()).toEqual([appRow, serverRow].sort());
    expect(updatedIds(after.pages, 'tasks')).toEqual([]);
    // A device that never saw the rows gets the tombstones too (it may ignore unknown ids).
    const fresh = await pullUntil(me, null, (pages) => both(deletedIds(pages, 'tasks')));
    expect(deletedIds(fresh.pages, 'tasks')).toEqual(expect.arrayContaining([appRow, serverRow]));
    // Compaction keeps what a client needs: the same pull after it sends the same final state.
    await db.sql`select sync.compact_changes()`;
    const compacted = await pullUntil(me, null, (pages) => both(deletedIds(pages, 'tasks')));
    expect(new Set(deletedIds(compacted.pages, 'tasks'))).toEqual(new Set(deletedIds(fresh.pages, 'tasks')));
    expect(new Set(updatedIds(compacted.pages, 'tasks'))).toEqual(new Set(updatedIds(fresh.pages, 'tasks')));
  });
});

/**
 * Pulls on from `cursor`, as a device does, until `done` holds for all the pages so far (at most
 * 50 pulls). A committed change can be held back for one pull when a transaction of another
 * database ends between the pull's snapshot and its look-up (sync.safe_horizon: safe, never
 * forward), and the suite's other files run such transactions all the time. It then comes in a
 * later pull, once: the assertions on the pages still catch a change lost or sent twice.
 */
async function pullUntil(
  actor: ReturnType<typeof artistActor>,
  cursor: string | null,
  done: (pages: PullPages) => boolean,
): Promise<{ pages: PullPages; cursor: string | null }> {
  const pages: PullPages = [];
  let at = cursor;
  for (let pull = 0; pull < 50 && (pull === 0 || !done(pages)); pull += 1) {
    if (pull > 0) await sleep(20);
    const r = await syncPullAll(db.sql, actor, at);
    pages.push(...r.pages);
    at = r.cursor;
  }
  return { pages, cursor: at };
}

type PullPages = Awaited<ReturnType<typeof syncPullAll>>['pages'];
