/**
 * The sync bench end to end on a small run: devices offline, conflicting edits, cut
 * connections. Nothing may be lost or applied twice and every device must end equal to the
 * server; the run must really have cut connections, replayed answers and met conflicts, or it
 * proved nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncBench, syncBenchDefaults } from '../../src/bench/sync.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await migratedDatabase('sync_bench');
});

afterAll(async () => {
  await db?.drop();
});

describe('dreamdb bench --sync', () => {
  it('loses nothing, applies nothing twice, and every device ends equal to the server', async () => {
    const r = await runSyncBench(db.url, {
      ...syncBenchDefaults,
      devices: 6,
      devicesPerArtist: 3,
      minutes: 2,
      dropRate: 0.35,
      seed: 7,
    });
    expect(r.lost).toBe(0);
    expect(r.duplicated).toBe(0);
    expect(r.devices).toMatchObject({ compared: 6, matching: 6, divergentRows: 0 });
    expect(r.devices.rowsCompared).toBeGreaterThan(50);
    // The run exercised what it claims to.
    expect(r.network.drops).toBeGreaterThan(0);
    expect(r.mutations.replayed).toBeGreaterThan(0);
    expect(r.mutations.rejected.stale ?? 0).toBeGreaterThan(0);
    expect(r.mutations.rejected.server_owned ?? 0).toBeGreaterThan(0);
    expect(r.edits.applied).toBeGreaterThan(20);
    const accounted =
      r.edits.applied + Object.values(r.edits.rejected).reduce((a, b) => a + b, 0) + r.edits.collapsedLocally;
    expect(accounted).toBe(r.edits.total);
    expect(r.pull.latencyMs.count).toBeGreaterThan(0);
    expect(r.bytes.perSync.p50).toBeGreaterThan(0);
    // Its artists and their log are gone afterwards.
    const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.artists`;
    const [log] = await db.sql<{ n: number }[]>`select count(*)::int as n from sync.changes`;
    expect(left!.n).toBe(0);
    expect(log!.n).toBe(0);
  });
});
