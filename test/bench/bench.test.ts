/**
 * The harness on a real database at a small scale: the baseline gets identical data, errors are
 * counted, and a run leaves nothing behind but the seeded data (no slot, no temporary objects, no
 * roles, no baseline database, writes restored).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchOptions } from '../../src/bench/result.js';
import { runBench as bench } from '../../src/bench/run.js';
import type { Sql } from '../../src/db/connect.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { checksums, counts, testContext } from '../seed/helpers.js';

const SMALL: BenchOptions = {
  artists: 12,
  days: 30,
  clients: 4,
  pool: 3,
  duration: 1,
  isolatedIterations: 10,
  ceilingDuration: 1,
  realtimeChanges: 3,
  realtimeSubscribers: [1, 20],
  atDatabaseIterations: 20,
  pairedRounds: 1,
};

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('bench');
});
afterAll(async () => db?.drop());

async function leftovers(sql: Sql) {
  const [r] = await sql<
    { slots: number; temp_rels: number; temp_funcs: number; roles: string[]; baselines: number; prepared: number }[]
  >`
    select (select count(*)::int from pg_replication_slots) as slots,
           (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname like 'pg_temp%') as temp_rels,
           (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname like 'pg_temp%') as temp_funcs,
           array(select rolname::text from pg_roles order by 1) as roles,
           (select count(*)::int from pg_database where datname like ${`${db.name}%`} and datname <> ${db.name}) as baselines,
           (select count(*)::int from pg_prepared_xacts) as prepared`;
  return r!;
}

describe('dreamdb bench (small)', () => {
  it('seeds, compares with the draft on identical data, and leaves only the seeded data behind', async () => {
    const { ctx } = await testContext(db.url, { yes: true });
    // First run seeds; the second reuses the data, so we can compare the data before and after.
    const first = await bench(ctx, { ...SMALL, realtime: false, duration: 0.3 });
    expect(first.scale.reused).toBe(false);
    const before = { sums: await checksums(db.sql), counts: await counts(db.sql), left: await leftovers(db.sql) };

    const r = await bench(ctx, { ...SMALL, compare: 'baseline' });
    expect(r.scale.reused).toBe(true);
    expect(r.scale.metricRows).toBe(12 * 30 * 5);

    // The shipped workload ran without errors, every request type was exercised.
    expect(r.shipped.mixed.errors).toBe(0);
    expect(r.shipped.mixed.requests).toBeGreaterThan(0);
    for (const t of r.shipped.isolated) expect(t.errors, t.name).toBe(0);
    expect(r.harness.cases.map((c) => c.name)).toEqual(['select_1', 'empty_request', 'read_mix']);
    for (const c of r.harness.cases) {
      expect(c.dreamdb.throughput, c.name).toBeGreaterThan(0);
      expect(c.dreamdb.errors, c.name).toBe(0);
      if (r.harness.pgbench) {
        expect(c.pgbench!.throughput, c.name).toBeGreaterThan(0);
        expect(c.aborted, c.name).toEqual([]);
        expect(c.ratio, c.name).toBeGreaterThan(0);
      } else expect(c.ratio).toBeNull();
    }
    expect(r.shipped.fractionOfCeiling).toBeGreaterThan(0);
    // Each request type timed inside the server, and (where pg_stat_statements is loaded) its own cost.
    for (const d of r.shipped.atDatabase) {
      expect(d.errors, `${d.name}: ${d.error}`).toBe(0);
      expect(d.calls).toBe(20);
    }
    if (Array.isArray(r.shipped.cost)) {
      for (const c of r.shipped.cost) {
        expect(c.query, c.name).not.toBeNull();
        expect(c.query!.calls).toBeGreaterThan(0);
        expect(c.totalMeanMs).toBeGreaterThan(0);
      }
    } else expect(r.shipped.cost.unavailable).toMatch(/pg_stat_statements/);
    // Every target line is there; a missed one names what holds it back.
    expect(r.targets.some((t) => t.name.startsWith('mixed workload'))).toBe(true);
    for (const t of r.targets) if (t.met === false && !/draft/.test(t.name)) expect(t.heldBackBy, t.name).toBeTruthy();
    expect(r.payload.perType.find((p) => p.name === 'dashboard')!.meanBytes).toBeGreaterThan(50);

    // The baseline holds identical data: same counts, same md5 of every row.
    const b = r.baseline!;
    expect(b.dataIdentical).toBe(true);
    expect(b.fingerprints.draft.map((f) => f.rows)).toEqual(b.fingerprints.shipped.map((f) => f.rows));
    expect(b.fingerprints.draft.map((f) => f.md5)).toEqual(b.fingerprints.shipped.map((f) => f.md5));
    expect(b.fingerprints.shipped.find((f) => f.table === 'metrics')!.rows).toBe(12 * 30 * 5);
    // The draft's dashboard fails as written, and the report says so rather than hiding the row.
    const asWritten = b.isolatedAsWritten.find((i) => i.name === 'dashboard')!;
    expect(asWritten.errors).toBe(asWritten.requests);
    expect(asWritten.errorMessages[0]).toMatch(/42803/);
    const row = b.comparison.find((c) => c.name === 'dashboard')!;
    expect(row.note).toMatch(/fails/);
    expect(b.mixed.errors).toBe(0);
    expect(b.comparison.every((c) => c.ratio !== null && c.ratio > 0)).toBe(true);

    // Realtime: measured where logical decoding is on, else skipped with the reason.
    const [walRow] = await db.sql<{ wal: string }[]>`select current_setting('wal_level') as wal`;
    const wal = walRow!.wal;
    if (wal === 'logical') {
      expect(r.realtime!.levels.map((l) => l.subscribers)).toEqual([1, 20]);
      for (const l of r.realtime!.levels) {
        expect(l.visibilityCorrect).toBe(true);
        expect(l.decode.count).toBe(3);
        expect(l.subscriptions).toBe(l.subscribers * 3);
        // Looked up by the equality filter: only the owner's subscription is a candidate (not
        // all 20 of the table), and it is the one RLS-checked.
        expect(l.candidates).toBe(1);
        expect(l.checked).toBe(1);
      }
    } else {
      expect(r.realtime!.skipped).toMatch(/wal_level/);
    }

    // Nothing left behind.
    expect(await checksums(db.sql)).toEqual(before.sums);
    expect(await counts(db.sql)).toEqual(before.counts);
    const after = await leftovers(db.sql);
    expect(after).toEqual(before.left);
    expect(after.slots).toBe(0);
    expect(after.baselines).toBe(0);
    expect(after.temp_funcs).toBe(0);
  }, 240_000);

  it('counts errors per request type (a failing request type in the mix)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-bench-mix-'));
    const file = path.join(dir, 'mix.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        usage: { opensPerDay: 1, requestsPerOpen: 1 },
        requests: [
          {
            name: 'pending_tasks',
            title: 'ok',
            weight: 1,
            readOnly: true,
            response: 'rows',
            params: ['artist_id'],
            sql: 'select id from public.tasks where artist_id = $1::uuid',
          },
          {
            name: 'broken',
            title: 'fails',
            weight: 1,
            readOnly: true,
            response: 'rows',
            sql: 'select * from public.no_such_table',
          },
          {
            name: 'forbidden',
            title: 'RLS/privileges',
            weight: 1,
            readOnly: true,
            response: 'rows',
            sql: 'select access_token_encrypted from public.platform_connections',
          },
        ],
      }),
    );
    const { ctx } = await testContext(db.url, { yes: true });
    const r = await bench(ctx, { ...SMALL, mix: file, realtime: false });
    const [ok, broken, forbidden] = r.shipped.mixed.types;
    expect(ok!.errors).toBe(0);
    expect(ok!.requests).toBeGreaterThan(0);
    expect(broken!.requests).toBeGreaterThan(0);
    expect(broken!.errors).toBe(broken!.requests);
    expect(broken!.errorMessages[0]).toMatch(/42P01/);
    expect(forbidden!.errors).toBe(forbidden!.requests);
    expect(forbidden!.errorMessages[0]).toMatch(/42501/);
    expect(r.shipped.mixed.errors).toBe(broken!.errors + forbidden!.errors);
    expect(r.shipped.isolated.find((i) => i.name === 'broken')!.errors).toBe(10);
    expect(r.shipped.atDatabase.find((i) => i.name === 'broken')!.error).toMatch(/42P01/);
    await fs.rm(dir, { recursive: true, force: true });
  }, 120_000);
});
