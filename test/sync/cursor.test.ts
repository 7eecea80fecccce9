/**
 * The cursor under concurrent writers: a transaction that stays open while others commit and a
 * client pulls is neither skipped (the now()-timestamp pitfall) nor sent twice.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { artistActor, syncPull, syncPullAll } from '../../src/sync/client.js';
import { createTestDatabase, migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { createArtists, updatedIds } from './helpers.js';

let db: TestDatabase;
let artist: string;

beforeAll(async () => {
  db = await migratedDatabase('sync_cursor');
  artist = (await createArtists(db.sql, 1))[0]!;
});

afterAll(async () => {
  await db?.drop();
});

async function addTask(sql: Sql, title: string): Promise<string> {
  const id = randomUUID();
  await sql`insert into public.tasks (id, artist_id, title) values (${id}, ${artist}, ${title})`;
  return id;
}

describe('sync_pull cursor', () => {
  it("delivers a long-open transaction's change exactly once, after it commits (two real connections)", async () => {
    const me = artistActor(artist!);
    const { cursor: start } = await syncPullAll(db.sql, me, null);

    const slow = connect(db.url);
    const fast = connect(db.url);
    try {
      const slowId = randomUUID();
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const didInsert = new Promise<void>((r) => (inserted = r));
      // Connection 1: begins, writes (its now() and xid are early), and stays open.
      const slowTx = slow.begin(async (tx) => {
        await tx`insert into public.tasks (id, artist_id, title) values (${slowId}, ${artist}, 'slow')`;
        inserted();
        await released;
      });
      await didInsert;
      // Connection 2: a later transaction commits while the first is still open.
      const fastId = await addTask(fast, 'fast');

      // A pull now sees the fast commit but must not move its cursor past the open transaction.
      const during = await syncPullAll(db.sql, me, start);
      expect(updatedIds(during.pages, 'tasks')).toEqual([]);

      // A timestamp cursor taken now would be later than the slow row's updated_at: the pitfall.
      const { pulledAt } = (await db.sql<{ pulledAt: Date }[]>`select now() as "pulledAt"`)[0]!;
      release();
      await slowTx;
      const { stamped } = (
        await db.sql<{ stamped: Date }[]>`select updated_at as stamped from public.tasks where id = ${slowId}`
      )[0]!;
      expect(stamped.getTime()).toBeLessThan(pulledAt.getTime());
      const { skipped } = (
        await db.sql<{ skipped: number }[]>`
        select count(*)::int as skipped from public.tasks where id = ${slowId} and updated_at > ${pulledAt}`
      )[0]!;
      expect(skipped).toBe(0); // "changes since the last pull's now()" never sends it

      const after = await syncPullAll(db.sql, me, during.cursor);
      expect(updatedIds(after.pages, 'tasks').sort()).toEqual([slowId, fastId].sort());

      const again = await syncPullAll(db.sql, me, after.cursor);
      expect(updatedIds(again.pages, 'tasks')).toEqual([]);
    } finally {
      await slow.end();
      await fast.end();
    }
  });

  it('sends a record once, with its last change, when a later change is still above the horizon', async () => {
    const me = artistActor(artist!);
    const id = await addTask(db.sql, 'early');
    const { cursor } = await syncPullAll(db.sql, me, null, 1000);
    await db.sql`update public.tasks set title = 'committed before the slow one' where id = ${id}`;
    const slow = connect(db.url);
    const fast = connect(db.url);
    try {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let began!: () => void;
      const didBegin = new Promise<void>((r) => (began = r));
      const slowTx = slow.begin(async (tx) => {
        await tx`insert into public.tasks (artist_id, title) values (${artist}, 'slow 2')`;
        began();
        await released;
      });
      await didBegin;
      // Committed, but its transaction is younger than the open one: above the horizon.
      await fast`update public.tasks set title = 'final' where id = ${id}`;
      const during = await syncPullAll(db.sql, me, cursor);
      expect(updatedIds(during.pages, 'tasks')).not.toContain(id);
      release();
      await slowTx;
      const after = await syncPullAll(db.sql, me, during.cursor);
      const sent = after.pages.flatMap((p) => p.changes.tasks?.updated ?? []).filter((r) => r.id === id);
      expect(sent.map((r) => r.title)).toEqual(['final']);
    } finally {
      await slow.end();
      await fast.end();
    }
  });

  it('is not held back by a writing transaction open in another database of the cluster', async () => {
    const me = artistActor(artist!);
    const { cursor } = await syncPullAll(db.sql, me, null);
    const elsewhere = await createTestDatabase('sync_elsewhere');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let began!: () => void;
    const didBegin = new Promise<void>((r) => (began = r));
    try {
      const open = elsewhere.sql.begin(async (tx) => {
        await tx`select pg_current_xact_id()`;
        began();
        await released;
      });
      await didBegin;
      const id = await addTask(db.sql, 'while another database writes');
      const pulled = await syncPullAll(db.sql, me, cursor);
      expect(updatedIds(pulled.pages, 'tasks')).toEqual([id]);
      release();
      await open;
    } finally {
      release();
      await elsewhere.drop();
    }
  });

  it('under many concurrent writers with open transactions and rollbacks, every committed row once and no aborted row', async () => {
    const me = artistActor(artist!);
    let { cursor } = await syncPullAll(db.sql, me, null);
    const writers = Array.from({ length: 4 }, () => connect(db.url));
    const committed: string[] = [];
    const aborted: string[] = [];
    const seen: string[] = [];
    let writing = true;
    const puller = (async () => {
      while (writing) {
        const out = await syncPullAll(db.sql, me, cursor, 7);
        seen.push(...updatedIds(out.pages, 'tasks'));
        cursor = out.cursor;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    try {
      await Promise.all(
        writers.map(async (w, wi) => {
          for (let i = 0; i < 25; i++) {
            const ids = [randomUUID(), randomUUID()];
            const abort = (i + wi) % 5 === 0;
            await w
              .begin(async (tx) => {
                await tx`insert into public.tasks (id, artist_id, title) values (${ids[0]!}, ${artist}, ${`w${wi}-${i}a`})`;
                await new Promise((r) => setTimeout(r, (i * 7 + wi * 13) % 20));
                await tx`insert into public.tasks (id, artist_id, title) values (${ids[1]!}, ${artist}, ${`w${wi}-${i}b`})`;
                if (abort) throw new Error('rollback');
              })
              .catch((e: Error) => {
                if (e.message !== 'rollback') throw e;
              });
            (abort ? aborted : committed).push(...ids);
          }
        }),
      );
    } finally {
      writing = false;
      await puller;
      await Promise.all(writers.map((w) => w.end()));
    }
    const rest = await syncPullAll(db.sql, me, cursor, 7);
    seen.push(...updatedIds(rest.pages, 'tasks'));
    expect(seen.length).toBe(new Set(seen).size);
    expect(new Set(seen)).toEqual(new Set(committed));
    expect(seen.filter((id) => aborted.includes(id))).toEqual([]);
  });

  it('pages are bounded, in order, and resume exactly where the last page ended', async () => {
    const me = artistActor(artist!);
    let { cursor } = await syncPullAll(db.sql, me, null);
    const ids = await db.sql<{ id: string }[]>`
      insert into public.tasks (artist_id, title) select ${artist}, 'bulk ' || g from generate_series(1, 1203) g returning id`;
    const first = await syncPull(db.sql, me, cursor, 500);
    expect(first.has_more).toBe(true);
    expect(first.changes.tasks!.updated).toHaveLength(500);
    const all = await syncPullAll(db.sql, me, cursor, 500);
    expect(all.pages.map((p) => p.changes.tasks?.updated.length ?? 0)).toEqual([500, 500, 203]);
    expect(all.pages.map((p) => p.has_more)).toEqual([true, true, false]);
    const got = updatedIds(all.pages, 'tasks');
    expect(new Set(got)).toEqual(new Set(ids.map((r) => r.id)));
    expect(got.length).toBe(ids.length);
    cursor = all.cursor;
    const huge = await syncPull(db.sql, me, null, 1_000_000);
    expect(Object.values(huge.changes).reduce((n, c) => n + c.updated.length, 0)).toBeLessThanOrEqual(1000);
  });

  it('refuses a malformed cursor with a hint, and a null cursor means a full pull', async () => {
    await expect(syncPull(db.sql, artistActor(artist!), 'yesterday')).rejects.toMatchObject({
      code: '22023',
      message: 'invalid sync cursor',
    });
    const full = await syncPullAll(db.sql, artistActor(artist!), null);
    expect(updatedIds(full.pages, 'artists')).toEqual([artist]);
  });
});
