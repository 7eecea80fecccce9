/**
 * `dreamdb bench`'s engine: seed the volume (reused when there), then each request alone and
 * inside the server, the harness beside pgbench, the closed-loop mixed run with the database's own
 * cost, the open-loop run and the capacity sweep, the draft baseline, realtime's database part,
 * and the targets. The command (src/commands/bench.ts) parses flags and renders the result.
 */
import os from 'node:os';
import { benchConfigSchema, type BenchConfig } from '../config/bench.js';
import { withTarget, type Context, type Target } from '../context.js';
import { connect, withDb, type Sql } from '../db/connect.js';
import { roleStatementTimeout } from '../db/impersonate.js';
import { UsageError } from '../errors.js';
import { todayUtc } from '../seed/dates.js';
import { seedDatabase, seedHooks } from '../seed/run.js';
import { makeWindow, SCALES } from '../seed/scale.js';
import { planArtists } from '../seed/write-scale.js';
import { sweepCapacity, type CapacityResult, type RatePoint } from './capacity.js';
import { postmasterOf } from './cpu.js';
import { compareData, copyData, createDraftDatabase, dropDraftDatabase } from './draft.js';
import { databaseOf, withDatabase } from '../db/databases.js';
import { runLoad, type LoadResult } from './engine.js';
import type { LoadSpec } from './load-worker.js';
import { loadMix, type Mix } from './mix.js';
import { compareWithPgbench } from './paired.js';
import { findPgbench, runPgbench, type PgbenchResult } from './pgbench.js';
import { measureRealtime } from './realtime.js';
import type { BenchOptions, BenchResult, Comparison } from './result.js';
import { runSyncBench, syncBenchDefaults, type SyncBenchResult } from './sync.js';
import { costPerType, statementSnapshot, timeAtDatabase } from './statements.js';
import { benchTargets } from './targets.js';
import { buildTransactions, pickSubjects } from './transactions.js';
import {
  loadArtists,
  newTouched,
  planRequests,
  restoreWrites,
  runIsolated,
  touchSubjects,
  type BenchArtist,
  type IsolatedResult,
  type Touched,
} from './workload.js';

interface Settings extends Omit<BenchConfig, 'threads'> {
  threads: number;
  artists: number;
  days: number;
  seed: number;
  compare: boolean;
  keepBaseline: boolean;
  realtime: boolean;
  load: Exclude<LoadSpec, { kind: 'closed' }> | null;
  doSweep: boolean;
  usePgbench: boolean;
}

export function benchSettings(ctx: Context, options: BenchOptions): Settings {
  const config = benchConfigSchema.parse(ctx.config.bench ?? {});
  const scale = options.scale ?? config.scale;
  if (options.rate !== undefined && options.users !== undefined)
    throw new UsageError('Pass --rate or --users, not both.');
  if (options.think !== undefined && options.users === undefined) throw new UsageError('--think goes with --users N.');
  const think = options.think ?? config.thinkSeconds;
  const s: Settings = {
    ...config,
    scale,
    clients: options.clients ?? config.clients,
    pool: options.pool ?? config.pool,
    duration: options.duration ?? config.duration,
    mix: options.mix ?? config.mix,
    isolatedIterations: options.isolatedIterations ?? config.isolatedIterations,
    ceilingDuration: options.ceilingDuration ?? config.ceilingDuration,
    realtimeChanges: options.realtimeChanges ?? config.realtimeChanges,
    realtimeSubscribers: options.realtimeSubscribers ?? config.realtimeSubscribers,
    engine: options.engine ?? config.engine,
    // One load thread per two cores: on 2 cores one thread (~20-40 µs of CPU per request) leaves
    // the server more of the machine, and measured cheaper per request than two (README, bench).
    threads: options.threads ?? config.threads ?? Math.max(1, Math.floor(os.availableParallelism() / 2)),
    pairedRounds: options.pairedRounds ?? config.pairedRounds,
    atDatabaseIterations: options.atDatabaseIterations ?? config.atDatabaseIterations,
    sweep: { ...config.sweep, stepDuration: options.sweepStepDuration ?? config.sweep.stepDuration },
    thinkSeconds: think,
    artists: options.artists ?? SCALES[scale].artists,
    days: options.days ?? SCALES[scale].days,
    seed: options.seed ?? ctx.config.seed?.seed ?? 1,
    compare: options.compare === 'baseline',
    keepBaseline: Boolean(options.keepBaseline),
    realtime: options.realtime !== false,
    load:
      options.rate !== undefined
        ? { kind: 'rate', rate: options.rate }
        : options.users !== undefined
          ? { kind: 'users', users: options.users, thinkMs: think * 1000 }
          : null,
    doSweep: Boolean(options.sweep),
    usePgbench: options.pgbench !== false,
  };
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new UsageError(`--${name} must be a whole number of at least 1 (got ${v}).`);
  };
  positiveInt('clients', s.clients);
  positiveInt('pool', s.pool);
  positiveInt('threads', s.threads);
  if (!(s.duration > 0)) throw new UsageError(`--duration must be a number of seconds above 0 (got ${s.duration}).`);
  if (s.load?.kind === 'rate' && !(s.load.rate > 0))
    throw new UsageError(`--rate must be above 0 requests a second (got ${s.load.rate}).`);
  if (s.load?.kind === 'users' && (!Number.isInteger(s.load.users) || s.load.users < 1))
    throw new UsageError(`--users must be a whole number of at least 1 (got ${s.load.users}).`);
  if (!(think > 0)) throw new UsageError(`--think must be a number of seconds above 0 (got ${think}).`);
  return s;
}

export async function runBench(ctx: Context, options: BenchOptions = {}): Promise<BenchResult> {
  const s = benchSettings(ctx, options);
  const { mix, path: mixPath } = await loadMix(s.mix, ctx.cwd);
  const pgbench = s.usePgbench || s.engine === 'pgbench' ? await findPgbench() : null;
  if (s.engine === 'pgbench' && !pgbench) {
    throw new UsageError('--engine pgbench: pgbench is not on PATH.', {
      hint: 'Install it with the PostgreSQL client tools (Debian: postgresql-client / postgresql-15), or use --engine dreamdb.',
    });
  }
  return withTarget(ctx, async (target) => {
    if (target.production) {
      throw new UsageError(`Refusing to bench ${target.display}: it is labelled production.`, {
        hint: 'The bench seeds volume and writes as artists. Point --db at a copy, or change db.label / DREAMDB_LABEL.',
      });
    }
    const started = performance.now();
    const seeded = await seedDatabase(
      target,
      { volume: { artists: s.artists, days: s.days, seed: s.seed } },
      seedHooks(ctx.out, { yes: ctx.flags.yes }),
    );
    const seedMs = performance.now() - started;
    const scale = {
      name: s.scale,
      artists: s.artists,
      days: s.days,
      seed: s.seed,
      reused: (seeded.scale?.artistsAdded ?? 0) === 0,
      seedMs: Math.round(seedMs),
      metricRows: 0,
    };
    return withDb(
      target.url,
      async (sql) => {
        const touched = newTouched();
        try {
          const [m] = await sql<{ n: number }[]>`select count(*)::int as n from public.metrics`;
          scale.metricRows = m!.n;
          const ids = planArtists({ seed: s.seed, artists: s.artists, window: makeWindow(todayUtc(), 1) }).map(
            (a) => a.id,
          );
          const artists = await loadArtists(sql, ids);
          return await run(ctx, target, sql, s, mix, mixPath, artists, touched, scale, pgbench);
        } finally {
          await restoreWrites(sql, touched);
        }
      },
      { max: s.pool, connection: { application_name: 'dreamdb bench' } },
    );
  });
}

const stripSamples = <T extends { samples?: unknown }>(r: T): T => {
  delete r.samples;
  return r;
};

async function run(
  ctx: Context,
  target: Target,
  sql: Sql,
  s: Settings,
  mix: Mix,
  mixPath: string,
  artists: BenchArtist[],
  touched: Touched,
  scale: BenchResult['scale'],
  pgbench: string | null,
): Promise<BenchResult> {
  const out = ctx.out;
  const shippedRequests = planRequests(mix, 'shipped');
  const timeout = await roleStatementTimeout(sql, 'authenticated');
  const transactions = buildTransactions(shippedRequests, timeout);
  const subjects = pickSubjects(artists, s.subjects);
  const pairedSubjects = pickSubjects(artists, Math.min(s.pgbenchSubjects, s.subjects));
  touchSubjects(touched, subjects);
  touchSubjects(touched, pairedSubjects);
  const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const postmaster = postmasterOf(backend!.pid);
  const cores = os.availableParallelism();
  const loadStart = os.loadavg()[0]!;

  const isolated = await out.task(`Each request alone, warm, one client (${s.isolatedIterations} runs each)`, () =>
    runIsolated(sql, shippedRequests, artists, { iterations: s.isolatedIterations, warmup: 30, seed: s.seed, touched }),
  );
  await restoreWrites(sql, touched);
  const atDatabase = await out.task(`Each request inside the server (${s.atDatabaseIterations} calls each)`, () =>
    timeAtDatabase(sql, transactions, subjects, s.atDatabaseIterations),
  );

  const reads = transactions.filter((t) => t.readOnly);
  const harnessCases = await out.task(
    `The harness${pgbench ? ' beside pgbench' : ''}: select 1, an empty request, the read mix`,
    (progress) =>
      compareWithPgbench({
        url: target.url,
        pgbench,
        subjects: pairedSubjects,
        reads,
        statementTimeout: timeout,
        pool: s.pool,
        clients: s.clients,
        // Like against like: dreamdb's engine runs as many load threads as pgbench's -j here
        // (--threads is for the mixed and open-loop runs). On 2 cores one thread of ours against
        // pgbench's two measured a ceiling of the thread count, not of the client's cost.
        threads: s.pgbenchThreads,
        pgbenchThreads: s.pgbenchThreads,
        durationS: s.ceilingDuration,
        rounds: s.pairedRounds,
        postmasterPid: postmaster,
        seed: s.seed,
        onProgress: (t) => progress.update(t),
      }),
  );
  await restoreWrites(sql, touched);
  touchSubjects(touched, subjects);

  /**
   * The mixed and open-loop runs, on --engine: pgbench with `pgbenchClients` clients (and `rate`
   * for open loop), or dreamdb's load threads over the pool.
   */
  const onEngine = async (load: LoadSpec, pgbenchClients: number, rate?: number) =>
    s.engine === 'pgbench'
      ? runPgbench({
          pgbench: pgbench!,
          url: target.url,
          transactions,
          subjects: pairedSubjects,
          clients: pgbenchClients,
          threads: s.pgbenchThreads,
          durationS: s.duration,
          warmupS: 1,
          ...(rate === undefined ? {} : { rate }),
          postmasterPid: postmaster,
        })
      : stripSamples(
          await runLoad({
            url: target.url,
            transactions,
            subjects,
            connections: s.pool,
            threads: s.threads,
            load,
            durationMs: s.duration * 1000,
            seed: s.seed,
          }),
        );

  const before = await statementSnapshot(sql);
  const mixed = await out.task(
    `Mixed workload (${s.engine}): ${s.clients} clients${s.engine === 'dreamdb' ? `, pool ${s.pool}` : ''}, ${s.duration} s`,
    () => onEngine({ kind: 'closed', clients: s.clients }, s.clients),
  );
  const cost = costPerType(before, await statementSnapshot(sql), transactions);
  await restoreWrites(sql, touched);
  touchSubjects(touched, subjects);

  let openLoop: BenchResult['openLoop'] = null;
  if (s.load) {
    const load = s.load;
    const rate = load.kind === 'rate' ? load.rate : (load.users * 1000) / load.thinkMs;
    openLoop = await out.task(
      `Open loop: ${load.kind === 'rate' ? `${load.rate} req/s` : `${load.users} users every ${load.thinkMs / 1000} s (${Math.round(rate)} req/s)`}, pool ${s.pool}, ${s.duration} s`,
      () => onEngine(load, s.pool, rate),
    );
    await restoreWrites(sql, touched);
    touchSubjects(touched, subjects);
  }

  let capacity: CapacityResult | null = null;
  if (s.doSweep) {
    capacity = await out.task(
      `Capacity: open-loop rates until p95 passes ${[200, 50].join(' / ')} ms, pool ${s.pool}, ${s.sweep.stepDuration} s each`,
      (progress) =>
        sweepCapacity(
          async (rate): Promise<RatePoint> => {
            const r = await runLoad({
              url: target.url,
              transactions,
              subjects,
              connections: s.pool,
              threads: s.threads,
              load: { kind: 'rate', rate },
              durationMs: s.sweep.stepDuration * 1000,
              seed: s.seed,
              drainMs: 3_000,
            });
            return {
              rate,
              achieved: r.throughput,
              p50: r.latency.p50,
              p95: r.latency.p95,
              p99: r.latency.p99,
              p999: r.latency.p999,
              errors: r.errors,
              notStarted: r.notStarted,
              poolWaitMean: r.poolWait.mean,
              serviceMean: r.service.mean,
              lagMean: r.lag.mean,
            };
          },
          {
            ...s.sweep,
            budgetsMs: [200, 50],
            thinkS: s.thinkSeconds,
            onPoint: (p) =>
              progress.update(`${p.rate} req/s: p95 ${p.p95.toFixed(1)} ms, achieved ${Math.round(p.achieved)}`),
          },
        ),
    );
    await restoreWrites(sql, touched);
  }

  const selectOne = harnessCases.find((c) => c.name === 'select_1')!;
  const result: BenchResult = {
    target: target.display,
    scale,
    settings: {
      clients: s.clients,
      pool: s.pool,
      durationS: s.duration,
      isolatedIterations: s.isolatedIterations,
      mix: mixPath,
      engine: s.engine,
      threads: s.threads,
      pgbenchThreads: s.pgbenchThreads,
      subjects: subjects.length,
      pgbenchSubjects: pairedSubjects.length,
      statementTimeout: timeout,
      cores,
      loadAverage: { start: loadStart, end: loadStart },
    },
    harness: {
      pgbench,
      ...(pgbench ? {} : { skipped: 'pgbench is not on PATH: the Node engine is reported alone' }),
      cases: harnessCases,
    },
    shipped: {
      isolated,
      mixed,
      cost,
      atDatabase,
      fractionOfCeiling:
        mixed.throughput /
        ((s.engine === 'pgbench' ? selectOne.pgbench?.throughput : selectOne.dreamdb.throughput) || 1),
    },
    openLoop,
    capacity,
    payload: payload(mix, isolated),
    realtime: null,
    targets: [],
  };

  if (s.compare)
    result.baseline = await baseline(
      ctx,
      target,
      sql,
      s,
      mix,
      artists,
      isolated,
      mixed,
      selectOne.dreamdb.throughput,
      timeout,
    );

  if (s.realtime) {
    result.realtime = await out.task(
      'Realtime: commit → logical decoding → filters and RLS per subscriber, as Realtime does it',
      (progress) =>
        measureRealtime(target.url, sql, artists, {
          levels: s.realtimeSubscribers,
          changesPerLevel: s.realtimeChanges,
          onProgress: (t) => progress.update(t),
        }),
    );
  }
  result.settings.loadAverage.end = os.loadavg()[0]!;
  result.targets = benchTargets(result);
  return result;
}

async function baseline(
  ctx: Context,
  target: Target,
  sql: Sql,
  s: Settings,
  mix: Mix,
  artists: BenchArtist[],
  shippedIsolated: IsolatedResult[],
  shippedMixed: LoadResult | PgbenchResult,
  ceiling: number,
  timeout: string,
): Promise<NonNullable<BenchResult['baseline']>> {
  const name = `${databaseOf(target.url)}_draft_baseline`;
  const url = withDatabase(target.url, name);
  const out = ctx.out;
  const admin = connect(target.url, { max: 1, connection: { application_name: 'dreamdb bench' } });
  let draft: Sql | undefined;
  try {
    await out.task(`Baseline: the draft's schema in ${name}`, () => createDraftDatabase(admin, url, name));
    draft = connect(url, { max: s.pool, connection: { application_name: 'dreamdb bench' } });
    const d = draft;
    const copied = await out.task('Baseline: copying the same rows', (progress) =>
      copyData(target.url, sql, d, (t) => progress.update(t)),
    );
    const fp = await compareData(sql, d);
    const draftArtists = await loadArtists(
      d,
      artists.map((a) => a.id),
    );
    const touched = newTouched();
    try {
      const asWritten = await out.task('Baseline: each request alone, as written', () =>
        runIsolated(d, planRequests(mix, 'draft', 'as-written'), draftArtists, {
          iterations: Math.min(50, s.isolatedIterations),
          warmup: 5,
          seed: s.seed,
          touched,
        }),
      );
      await restoreWrites(d, touched);
      const repaired = planRequests(mix, 'draft', 'repaired');
      const isolated = await out.task(`Baseline: each request alone, warm, one client`, () =>
        runIsolated(d, repaired, draftArtists, { iterations: s.isolatedIterations, warmup: 30, seed: s.seed, touched }),
      );
      await restoreWrites(d, touched);
      const draftSubjects = pickSubjects(draftArtists, s.subjects);
      touchSubjects(touched, draftSubjects);
      const mixed = await out.task(
        `Baseline mixed workload: ${s.clients} clients, pool ${s.pool}, ${s.duration} s`,
        async () =>
          stripSamples(
            await runLoad({
              url,
              transactions: buildTransactions(repaired, timeout),
              subjects: draftSubjects,
              connections: s.pool,
              threads: s.threads,
              load: { kind: 'closed', clients: s.clients },
              durationMs: s.duration * 1000,
              seed: s.seed,
            }),
          ),
      );
      const comparison = mix.requests.map((r, i): Comparison => {
        const sm = shippedMixed.types[i]!;
        const dm = mixed.types[i]!;
        const si = shippedIsolated[i]!;
        const di = isolated[i]!;
        const written = asWritten[i]!;
        const notes: string[] = [];
        if (written.errors > 0)
          notes.push(
            `the draft's request as written fails (${written.errors}/${written.requests}: ${written.errorMessages[0] ?? ''})${r.baseline?.repairedSql ? '; compared with its minimal repair' : ''}`,
          );
        if (dm.errors > 0) notes.push(`${dm.errors} errors on the draft: ${dm.errorMessages[0] ?? ''}`);
        const draftOk = dm.errors === 0 && dm.requests > 0;
        return {
          name: r.name,
          shippedP95: sm.latency.p95,
          draftP95: draftOk ? dm.latency.p95 : null,
          ratio: draftOk ? sm.latency.p95 / dm.latency.p95 : null,
          isolatedShippedP95: si.latency.p95,
          isolatedDraftP95: di.errors === 0 ? di.latency.p95 : null,
          isolatedRatio: di.errors === 0 ? si.latency.p95 / di.latency.p95 : null,
          ...(notes.length ? { note: notes.join('; ') } : {}),
        };
      });
      return {
        database: name,
        kept: s.keepBaseline,
        copied,
        dataIdentical: fp.identical,
        fingerprints: { shipped: fp.shipped, draft: fp.draft },
        isolatedAsWritten: asWritten,
        isolated,
        mixed,
        fractionOfCeiling: mixed.throughput / ceiling,
        comparison,
      };
    } finally {
      await restoreWrites(d, touched);
    }
  } finally {
    await draft?.end({ timeout: 5 });
    if (!s.keepBaseline) await dropDraftDatabase(admin, name);
    await admin.end({ timeout: 5 });
  }
}

function payload(mix: Mix, isolated: IsolatedResult[]): BenchResult['payload'] {
  const u = mix.usage;
  const totalWeight = mix.requests.reduce((a, r) => a + r.weight, 0);
  const meanBytesPerRequest = mix.requests.reduce(
    (a, r, i) => a + (r.weight / totalWeight) * ((isolated[i]?.bytes ?? 0) + u.headerBytesPerResponse),
    0,
  );
  const requestsPerMonth = u.opensPerDay * u.requestsPerOpen * u.daysPerMonth;
  return {
    perType: isolated.map((t) => ({
      name: t.name,
      meanBytes: Math.round(t.bytes),
      maxBytes: t.bytesMax,
      gzipMeanBytes: t.gzipMean === null ? null : Math.round(t.gzipMean),
    })),
    meanBytesPerRequest: Math.round(meanBytesPerRequest),
    requestsPerMonth,
    monthlyBytes: Math.round(meanBytesPerRequest * requestsPerMonth),
    targetMonthlyBytes: u.targetMonthlyBytes,
    usage: `${u.opensPerDay} opens/day × ${u.requestsPerOpen} requests × ${u.daysPerMonth} days, +${u.headerBytesPerResponse} B headers per response`,
  };
}

export interface SyncBenchFlags {
  devices?: number;
  devicesPerArtist?: number;
  syncMinutes?: number;
  dropRate?: number;
  seed?: number;
}

/** `dreamdb bench --sync`: the offline-sync simulator (src/bench/sync.ts, docs/sync.md). */
export async function runBenchSync(ctx: Context, flags: SyncBenchFlags = {}): Promise<SyncBenchResult> {
  return withTarget(ctx, async (target) => {
    if (target.production) {
      throw new UsageError(`Refusing to bench ${target.display}: it is labelled production.`, {
        hint: 'The sync bench creates artists and writes as them. Point --db at a copy, or change db.label / DREAMDB_LABEL.',
      });
    }
    return ctx.out.task('Sync: offline devices, cut connections, retries', (progress) =>
      runSyncBench(target.url, {
        ...syncBenchDefaults,
        devices: flags.devices ?? syncBenchDefaults.devices,
        devicesPerArtist: flags.devicesPerArtist ?? syncBenchDefaults.devicesPerArtist,
        minutes: flags.syncMinutes ?? syncBenchDefaults.minutes,
        dropRate: flags.dropRate ?? syncBenchDefaults.dropRate,
        seed: flags.seed ?? ctx.config.seed?.seed ?? 1,
        onProgress: (t) => progress.update(t),
      }),
    );
  });
}
