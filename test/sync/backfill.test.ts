/**
 * A database that already holds data when the sync migration arrives: every existing row is in
 * the log, so a device's first pull gets everything, with the new columns filled in.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artistActor, syncPullAll } from '../../src/sync/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrateUrl } from '../helpers/migrate.js';
import { createArtists, updatedIds } from './helpers.js';

let db: TestDatabase;
let before: string;

beforeAll(async () => {
  db = await createTestDatabase('sync_backfill');
  before = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-sync-before-'));
  const files = (await fs.readdir('sql/migrations')).filter((f) => f < '20261201100000');
  for (const f of files) await fs.copyFile(path.join('sql/migrations', f), path.join(before, f));
  await migrateUrl(db.url, before);
});

afterAll(async () => {
  await db?.drop();
  await fs.rm(before, { recursive: true, force: true });
});

describe('the sync migration on existing data', () => {
  it('logs every existing row, so the first pull is complete', async () => {
    const [artist] = await createArtists(db.sql, 1);
    const tasks = await db.sql<
      { id: string }[]
    >`insert into public.tasks (artist_id, title) select ${artist!}, 'old ' || g from generate_series(1, 5) g returning id`;
    await db.sql`insert into public.metrics (artist_id, platform, metric_date) values (${artist!}, 'spotify', current_date)`;
    await migrateUrl(db.url);
    const pulled = await syncPullAll(db.sql, artistActor(artist!), null);
    expect(updatedIds(pulled.pages, 'tasks').sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(updatedIds(pulled.pages, 'artists')).toEqual([artist]);
    expect(updatedIds(pulled.pages, 'metrics')).toHaveLength(1);
    const row = pulled.pages[0]!.changes.tasks!.updated[0]!;
    expect(row.version).toBe(1);
    expect(typeof row.updated_at).toBe('string');
  });
});
