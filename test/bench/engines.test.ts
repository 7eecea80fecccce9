/**
 * The two load engines on a real database: pgbench scripts generated from the transactions and
 * its per-transaction log parsed (against a real pgbench run, skipped visibly without pgbench),
 * and the Node engine in closed and open loop. Both must impersonate exactly: a write lands only
 * where RLS lets the signed-in artist write. No wall-clock assertions: counts and rows only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../../src/commands/seed.js';
import { runLoad } from '../../src/bench/engine.js';
import {
  findPgbench,
  parsePgbenchLog,
  parsePgbenchLogLine,
  pgbenchScripts,
  runPgbench,
  withVariables,
} from '../../src/bench/pgbench.js';
import {
  buildTransactions,
  emptyRequestTransaction,
  pickSubjects,
  selectOneTransaction,
  type BenchTransaction,
  type Subject,
} from '../../src/bench/transactions.js';
import { loadArtists, planRequests } from '../../src/bench/workload.js';
import { parseMix } from '../../src/bench/mix.js';
import { planArtists } from '../../src/seed/write-scale.js';
import { makeWindow } from '../../src/seed/scale.js';
import { todayUtc } from '../../src/seed/dates.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { testContext } from '../seed/helpers.js';

const pgbench = await findPgbench();

const mix = parseMix({
  usage: { opensPerDay: 1, requestsPerOpen: 1 },
  requests: [
    {
      name: 'series',
      title: 'GET /metrics',
      weight: 3,
      readOnly: true,
      response: 'rows',
      params: ['artist_id', 'platform'],
      sql: 'select metric_date, followers from public.metrics where artist_id = $1::uuid and platform = $2 order by metric_date desc limit 5',
    },
    {
      name: 'read_notification',
      title: 'PATCH /notifications',
      weight: 1,
      readOnly: false,
      response: 'none',
      params: ['notification_id'],
      sql: 'update public.notifications set opened = true, opened_at = now() where id = $1::uuid',
    },
  ],
});

let db: TestDatabase;
let subjects: Subject[];
let transactions: BenchTransaction[];
beforeAll(async () => {
  db = await migratedDatabase('bench_engines');
  const { ctx } = await testContext(db.url, { yes: true });
  await seed(ctx, { artists: 6, days: 10, seed: 3, fixtures: false });
  const ids = planArtists({ seed: 3, artists: 6, window: makeWindow(todayUtc(), 1) }).map((a) => a.id);
  subjects = pickSubjects(await loadArtists(db.sql, ids), 4);
  transactions = buildTransactions(planRequests(mix, 'shipped'), '8s');
}, 180_000);
afterAll(async () => db?.drop());

const opened = async (ids: string[]) =>
  (
    await db.sql<
      { id: string; opened: boolean }[]
    >`select id::text, opened from public.notifications where id = any(${ids}::uuid[])`
  ).reduce<Record<string, boolean>>((acc, r) => ({ ...acc, [r.id]: r.opened }), {});
const reset = (ids: string[]) =>
  db.sql`update public.notifications set opened = false, opened_at = null where id = any(${ids}::uuid[])`;

describe('pgbench scripts and logs (pure)', () => {
  it('one script per transaction: a subject picked, the same statement texts with pgbench variables, one pipeline', () => {
    const { scripts, variables } = pgbenchScripts(transactions, subjects);
    expect(scripts.map((s) => [s.name, s.weight])).toEqual([
      ['series', 3],
      ['read_notification', 1],
    ]);
    const series = scripts[0]!.text;
    expect(series).toContain(`\\set s random(1, ${subjects.length})`);
    expect(series).toMatch(/\\if :s = 1\n\\startpipeline\nbegin isolation level read committed read only;\n/);
    expect(series).toContain("set_config('request.jwt.claims', :c1, true)");
    expect(series).toContain('where artist_id = :a2::uuid and platform = :p2 order by');
    expect(series).toMatch(/commit;\n\\endpipeline\n\\endif\n$/);
    // One pipeline per artist's branch (pgbench prepares a whole pipeline when it starts).
    expect(series.match(/\\startpipeline/g)!.length).toBe(subjects.length);
    expect(scripts[1]!.text).toMatch(/^begin isolation level read committed;$/m);
    expect(scripts[1]!.text).toContain('where id = :n1::uuid;');
    expect(variables.a1).toBe(subjects[0]!.artistId);
    expect(JSON.parse(variables.c1!).sub).toBe(subjects[0]!.artistId);
    expect(variables.n3).toBe(subjects[2]!.notificationId);
    // A bare statement needs no subject.
    const bare = pgbenchScripts([selectOneTransaction()], subjects).scripts[0]!.text;
    expect(bare).not.toContain('\\set s');
    expect(bare).toContain('\\startpipeline\nselect 1;\n\\endpipeline');
  });
  it('withVariables maps $n to the subject variable of its parameter and refuses a missing one', () => {
    expect(withVariables('x = $1::uuid and y = $2 and z = $1', ['artist_id', 'platform'], 7)).toBe(
      'x = :a7::uuid and y = :p7 and z = :a7',
    );
    expect(() => withVariables('x = $2', ['artist_id'], 1)).toThrow(/\$2/);
  });
  it('parses log lines: latency in µs, schedule lag under --rate, failed and skipped, junk ignored', () => {
    expect(parsePgbenchLogLine('3 17 1520 1 1796113756 39376')).toEqual({
      client: 3,
      script: 1,
      latencyMs: 1.52,
      lagMs: 0,
      failed: false,
      skipped: false,
      endMs: 1796113756039.376,
    });
    const lagged = parsePgbenchLogLine('0 2 1000 0 1796113756 500000 250')!;
    expect(lagged.latencyMs).toBeCloseTo(1.25, 9);
    expect(lagged.lagMs).toBeCloseTo(0.25, 9);
    expect(parsePgbenchLogLine('1 3 failed 0 1796113756 1 0')!.failed).toBe(true);
    expect(parsePgbenchLogLine('1 4 skipped 0 1796113756 1 90')!.skipped).toBe(true);
    expect(parsePgbenchLogLine('transaction type: x')).toBeNull();
    expect(parsePgbenchLog('0 1 100 0 1 0\n\nnot a line\n1 1 200 1 1 0\n').map((e) => e.script)).toEqual([0, 1]);
  });
});

describe.skipIf(!pgbench)(`pgbench, run for real${pgbench ? '' : ' (skipped: pgbench is not on PATH)'}`, () => {
  it('runs the generated scripts, and its log gives per-transaction figures; writes land as the owner', async () => {
    const ids = subjects.map((s) => s.notificationId);
    await reset(ids);
    const r = await runPgbench({
      pgbench: pgbench!,
      url: db.url,
      transactions,
      subjects,
      clients: 2,
      threads: 1,
      durationS: 1,
      warmupS: 0,
    });
    expect(r.aborted).toEqual([]);
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThan(4);
    expect(r.types.map((t) => t.name)).toEqual(['series', 'read_notification']);
    expect(r.types[0]!.requests + r.types[1]!.requests).toBe(r.requests);
    expect(r.types[0]!.requests).toBeGreaterThan(0);
    expect(r.types[0]!.latency.count).toBe(r.types[0]!.requests);
    expect(r.reportedTps).toBeGreaterThan(0);
    // Every subject's own notification can only have been opened by that subject, through RLS.
    if (r.types[1]!.requests >= 20) expect(Object.values(await opened(ids)).some(Boolean)).toBe(true);
  }, 60_000);

  it("the impersonation is real: a write to another artist's row changes nothing", async () => {
    const [a, b] = subjects;
    const swapped: Subject[] = [{ ...a!, notificationId: b!.notificationId }];
    await reset([b!.notificationId]);
    const write = transactions.filter((t) => t.name === 'read_notification');
    const r = await runPgbench({
      pgbench: pgbench!,
      url: db.url,
      transactions: write,
      subjects: swapped,
      clients: 1,
      threads: 1,
      durationS: 1,
      warmupS: 0,
    });
    expect(r.requests).toBeGreaterThan(0);
    expect((await opened([b!.notificationId]))[b!.notificationId]).toBe(false);
  }, 60_000);
});

describe('the Node engine', () => {
  it('closed loop over threads: every request counted by type, errors with their SQLSTATE, writes as the owner only', async () => {
    const [a, b] = subjects;
    await reset(subjects.map((s) => s.notificationId));
    const broken: BenchTransaction = {
      ...emptyRequestTransaction('8s'),
      name: 'broken',
      query: 'select * from public.no_such_table',
    };
    const swapped: Subject[] = [a!, { ...b!, notificationId: a!.notificationId, artistId: b!.artistId }];
    const r = await runLoad({
      url: db.url,
      transactions: [...transactions, broken],
      subjects: [subjects[0]!, subjects[2]!],
      connections: 3,
      threads: 2,
      load: { kind: 'closed', clients: 4 },
      durationMs: 600,
      seed: 1,
    });
    expect(r.threads).toBe(2);
    expect(r.requests).toBe(r.types.reduce((n, t) => n + t.requests, 0));
    const [series, write, bad] = r.types;
    expect(series!.requests).toBeGreaterThan(0);
    expect(series!.errors).toBe(0);
    expect(series!.meanBytes).toBeGreaterThan(10);
    expect(write!.errors).toBe(0);
    expect(bad!.errors).toBe(bad!.requests);
    expect(bad!.errorMessages[0]).toMatch(/^42P01: /);
    expect(r.errors).toBe(bad!.errors);
    expect(r.poolWait.count).toBe(r.requests);
    if (write!.requests > 0) {
      const o = await opened([subjects[0]!.notificationId, subjects[2]!.notificationId]);
      expect(Object.values(o).some(Boolean)).toBe(true);
    }
    // Subject b writing a's notification: RLS lets nothing through.
    await reset([a!.notificationId]);
    const w = await runLoad({
      url: db.url,
      transactions: transactions.filter((t) => t.name === 'read_notification'),
      subjects: [swapped[1]!],
      connections: 1,
      threads: 1,
      load: { kind: 'closed', clients: 1 },
      durationMs: 200,
      seed: 2,
    });
    expect(w.requests).toBeGreaterThan(0);
    expect(w.errors).toBe(0);
    expect((await opened([a!.notificationId]))[a!.notificationId]).toBe(false);
  }, 60_000);

  it('open loop: exactly the scheduled requests, each counted or reported unstarted, latency from the schedule', async () => {
    const r = await runLoad({
      url: db.url,
      transactions: [selectOneTransaction()],
      subjects,
      connections: 2,
      threads: 2,
      load: { kind: 'rate', rate: 200 },
      durationMs: 1000,
      seed: 1,
    });
    expect(r.offeredRate).toBe(200);
    expect(r.requests + r.notStarted).toBe(200);
    expect(r.lag.count).toBe(r.requests);
    expect(r.lag.p50).toBeGreaterThanOrEqual(0);
    // Latency counts from the scheduled start: never less than the time on the connection.
    expect(r.latency.p50).toBeGreaterThanOrEqual(r.service.p50 - 1e-9);
    const u = await runLoad({
      url: db.url,
      transactions: [selectOneTransaction()],
      subjects,
      connections: 2,
      threads: 1,
      load: { kind: 'users', users: 50, thinkMs: 500 },
      durationMs: 1000,
      seed: 1,
    });
    expect(u.offeredRate).toBe(100);
    expect(u.requests + u.notStarted).toBe(100);
  }, 60_000);
});
