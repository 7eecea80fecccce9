/**
 * `dreamdb bench`: the mobile workload at scale, as real users, beside the draft schema, plus the
 * database's part of realtime latency. docs/bench.md.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { benchConfigSchema, type BenchConfig } from '../config/bench.js';
import { withTarget, type Context, type Target } from '../context.js';
import { connect, type Sql } from '../db/connect.js';
import { roleStatementTimeout } from '../db/impersonate.js';
import { UsageError } from '../errors.js';
import { sweepCapacity, type CapacityResult, type RatePoint } from '../bench/capacity.js';
import { postmasterOf } from '../bench/cpu.js';
import { compareData, copyData, createDraftDatabase, databaseName, siblingUrl, type CopiedTable, type TableFingerprint } from '../bench/draft.js';
import { runLoad, type LoadResult } from '../bench/engine.js';
import type { LoadSpec } from '../bench/load-worker.js';
import { loadMix, type Mix } from '../bench/mix.js';
import { compareWithPgbench, type PairedCase } from '../bench/paired.js';
import { findPgbench, runPgbench, type PgbenchResult } from '../bench/pgbench.js';
import { measureRealtime, type RealtimeResult } from '../bench/realtime.js';
import { renderBench } from '../bench/report.js';
import { renderSyncBench, runSyncBench, syncBenchDefaults, type SyncBenchResult } from '../bench/sync.js';
import { costPerType, statementSnapshot, timeAtDatabase, type AtDatabase, type TypeCost } from '../bench/statements.js';
import { benchTargets, type Target_ } from '../bench/targets.js';
import { buildTransactions, pickSubjects, type BenchTransaction, type Subject } from '../bench/transactions.js';
import {
  loadArtists, newTouched, planRequests, restoreWrites, runIsolated, touchSubjects,
  type BenchArtist, type IsolatedResult, type Touched,
} from '../bench/workload.js';
import { todayUtc } from '../seed/dates.js';
import { makeWindow, SCALES, type ScaleName } from '../seed/scale.js';
import { planArtists } from '../seed/write-scale.js';
import { seed } from './seed.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export type { Target_ } from '../bench/targets.js';

export interface BenchOptions {
  scale?: ScaleName;
  /** Override the scale's artists / days (tests). */
  artists?: number;
  days?: number;
  clients?: number;
  pool?: number;
  /** Seconds. */
  duration?: number;
  mix?: string;
  compare?: 'baseline';
  /** Keep the baseline database for the next run (it is dropped by default). */
  keepBaseline?: boolean;
  realtime?: boolean;
  isolatedIterations?: number;
  ceilingDuration?: number;
  realtimeChanges?: number;
  realtimeSubscribers?: number[];
  seed?: number;
  engine?: 'dreamdb' | 'pgbench';
  threads?: number;
  /** Open loop: requests per second, or users with a think time (seconds). */
  rate?: number;
  users?: number;
  think?: number;
  /** Find the highest rate within each latency budget. */
  sweep?: boolean;
  /** Skip the paired runs with pgbench (it is used when found on PATH). */
  pgbench?: boolean;
  pairedRounds?: number;
  sweepStepDuration?: number;
  atDatabaseIterations?: number;
}

export interface Comparison {
  name: string;
  shippedP95: number;
  draftP95: number | null;
  /** shipped / draft (below 1: the shipped schema is faster). */
  ratio: number | null;
  isolatedShippedP95: number;
  isolatedDraftP95: number | null;
  isolatedRatio: number | null;
  /** Why a row has no ratio or uses a repaired request. */
  note?: string;
}

export interface BenchResult {
  target: string;
  scale: { name: ScaleName; artists: number; days: number; seed: number; reused: boolean; seedMs: number; metricRows: number };
  settings: {
    clients: number; pool: number; durationS: number; isolatedIterations: number; mix: string; engine: 'dreamdb' | 'pgbench';
    threads: number; subjects: number; pgbenchSubjects: number; statementTimeout: string; cores: number;
    /** The machine's 1-minute load average at the start and end of the run (other work shares the cores). */
    loadAverage: { start: number; end: number };
  };
  /** The harness beside pgbench on the same transactions (pgbench null when it is not installed). */
  harness: { pgbench: string | null; skipped?: string; cases: PairedCase[] };
  shipped: {
    isolated: IsolatedResult[];
    mixed: LoadResult | PgbenchResult;
    /** Mixed throughput / select-1 ceiling of the same engine family. */
    fractionOfCeiling: number;
    /** pg_stat_statements over the mixed run. */
    cost: TypeCost[] | { unavailable: string };
    /** Each request type timed inside the server. */
    atDatabase: AtDatabase[];
  };
  openLoop: LoadResult | PgbenchResult | null;
  capacity: CapacityResult | null;
  baseline?: {
    database: string;
    kept: boolean;
    copied: CopiedTable[];
    dataIdentical: boolean;
    fingerprints: { shipped: TableFingerprint[]; draft: TableFingerprint[] };
    isolatedAsWritten: IsolatedResult[];
    isolated: IsolatedResult[];
    mixed: LoadResult;
    fractionOfCeiling: number;
    comparison: Comparison[];
  };
  payload: {
    perType: { name: string; meanBytes: number; maxBytes: number; gzipMeanBytes: number | null }[];
    meanBytesPerRequest: number;
    requestsPerMonth: number;
    monthlyBytes: number;
    targetMonthlyBytes: number;
    usage: string;
  };
  realtime: RealtimeResult | null;
  targets: Target_[];
}

interface Settings extends BenchConfig {
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
  if (options.rate !== undefined && options.users !== undefined) throw new UsageError('Pass --rate or --users, not both.');
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
    threads: options.threads ?? config.threads,
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
    load: options.rate !== undefined ? { kind: 'rate', rate: options.rate }
      : options.users !== undefined ? { kind: 'users', users: options.users, thinkMs: think * 1000 } : null,
    doSweep: Boolean(options.sweep),
    usePgbench: options.pgbench !== false,
  };
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a whole number of at least 1 (got ${v}).`);
  };
  positiveInt('clients', s.clients);
  positiveInt('pool', s.pool);
  positiveInt('threads', s.threads);
  if (!(s.duration > 0)) throw new UsageError(`--duration must be a number of seconds above 0 (got ${s.duration}).`);
  if (s.load?.kind === 'rate' && !(s.load.rate > 0)) throw new UsageError(`--rate must be above 0 requests a second (got ${s.load.rate}).`);
  if (s.load?.kind === 'users' && (!Number.isInteger(s.load.users) || s.load.users < 1)) throw new UsageError(`--users must be a whole number of at least 1 (got ${s.load.users}).`);
  if (!(think > 0)) throw new UsageError(`--think must be a number of seconds above 0 (got ${think}).`);
  return s;
}

export async function bench(ctx: Context, options: BenchOptions = {}): Promise<BenchResult> {
  const s = benchSettings(ctx, options);
  const { mix, path: mixPath } = await loadMix(s.mix, ctx.cwd);
  const pgbench = s.usePgbench || s.engine === 'pgbench' ? await findPgbench() : null;
  if (s.engine === 'pgbench' && !pgbench) {
    throw new UsageError('--engine pgbench: pgbench is not on PATH.', { hint: 'Install it with the PostgreSQL client tools (Debian: postgresql-client / postgresql-15), or use --engine dreamdb.' });
  }
  return withTarget(ctx, async (target) => {
    if (target.production) {
      throw new UsageError(`Refusing to bench ${target.display}: it is labelled production.`, {
        hint: 'The bench seeds volume and writes as artists. Point --db at a copy, or change db.label / DREAMDB_LABEL.',
      });
    }
    const started = performance.now();
    const seeded = await seed(ctx, { artists: s.artists, days: s.days, seed: s.seed, fixtures: false });
    const seedMs = performance.now() - started;
    const scale = { name: s.scale, artists: s.artists, days: s.days, seed: s.seed, reused: (seeded.scale?.artistsAdded ?? 0) === 0, seedMs: Math.round(seedMs), metricRows: 0 };
    const sql = connect(target.url, { max: s.pool, connection: { application_name: 'dreamdb bench' } });
    const touched = newTouched();
    try {
      const [m] = await sql<{ n: number }[]>`select count(*)::int as n from public.metrics`;
      scale.metricRows = m!.n;
      const ids = planArtists({ seed: s.seed, artists: s.artists, window: makeWindow(todayUtc(), 1) }).map((a) => a.id);
      const artists = await loadArtists(sql, ids);
      return await run(ctx, target, sql, s, mix, mixPath, artists, touched, scale, pgbench);
    } finally {
      await restoreWrites(sql, touched);
      await sql.end({ timeout: 5 });
    }
  });
}

const stripSamples = <T extends { samples?: unknown }>(r: T): T => {
  delete r.samples;
  return r;
};

async function run(
  ctx: Context, target: Target, sql: Sql, s: Settings, mix: Mix, mixPath: string, artists: BenchArtist[], touched: Touched,
  scale: BenchResult['scale'], pgbench: string | null,
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
  const os = await import('node:os');
  const cores = os.availableParallelism();
  const loadStart = os.loadavg()[0]!;

  const isolated = await out.task(`Each request alone, warm, one client (${s.isolatedIterations} runs each)`, () =>
    runIsolated(sql, shippedRequests, artists, { iterations: s.isolatedIterations, warmup: 30, seed: s.seed, touched }));
  await restoreWrites(sql, touched);
  const atDatabase = await out.task(`Each request inside the server (${s.atDatabaseIterations} calls each)`, () =>
    timeAtDatabase(sql, transactions, subjects, s.atDatabaseIterations));

  const reads = transactions.filter((t) => t.readOnly);
  const harnessCases = await out.task(`The harness${pgbench ? ' beside pgbench' : ''}: select 1, an empty request, the read mix`, (progress) =>
    compareWithPgbench({
      url: target.url, pgbench, subjects: pairedSubjects, reads, statementTimeout: timeout, pool: s.pool, clients: s.clients, threads: s.threads,
      durationS: s.ceilingDuration, rounds: s.pairedRounds, postmasterPid: postmaster, seed: s.seed, onProgress: (t) => progress.update(t),
    }));
  await restoreWrites(sql, touched);
  touchSubjects(touched, subjects);

  const before = await statementSnapshot(sql);
  const mixed = await out.task(`Mixed workload (${s.engine}): ${s.clients} clients${s.engine === 'dreamdb' ? `, pool ${s.pool}` : ''}, ${s.duration} s`, async () =>
    s.engine === 'pgbench'
      ? runPgbench({ pgbench: pgbench!, url: target.url, transactions, subjects: pairedSubjects, clients: s.clients, threads: s.threads, durationS: s.duration, warmupS: 1, postmasterPid: postmaster })
      : stripSamples(await runLoad({ url: target.url, transactions, subjects, connections: s.pool, threads: s.threads, load: { kind: 'closed', clients: s.clients }, durationMs: s.duration * 1000, seed: s.seed })));
  const cost = costPerType(before, await statementSnapshot(sql), transactions);
  await restoreWrites(sql, touched);
  touchSubjects(touched, subjects);

  let openLoop: BenchResult['openLoop'] = null;
  if (s.load) {
    const load = s.load;
    const rate = load.kind === 'rate' ? load.rate : (load.users * 1000) / load.thinkMs;
    openLoop = await out.task(`Open loop: ${load.kind === 'rate' ? `${load.rate} req/s` : `${load.users} users every ${load.thinkMs / 1000} s (${Math.round(rate)} req/s)`}, pool ${s.pool}, ${s.duration} s`, async () =>
      s.engine === 'pgbench'
        ? runPgbench({ pgbench: pgbench!, url: target.url, transactions, subjects: pairedSubjects, clients: s.pool, threads: s.threads, durationS: s.duration, warmupS: 1, rate, postmasterPid: postmaster })
        : stripSamples(await runLoad({ url: target.url, transactions, subjects, connections: s.pool, threads: s.threads, load, durationMs: s.duration * 1000, seed: s.seed })));
    await restoreWrites(sql, touched);
    touchSubjects(touched, subjects);
  }

  let capacity: CapacityResult | null = null;
  if (s.doSweep) {
    capacity = await out.task(`Capacity: open-loop rates until p95 passes ${[200, 50].join(' / ')} ms, pool ${s.pool}, ${s.sweep.stepDuration} s each`, (progress) =>
      sweepCapacity(async (rate): Promise<RatePoint> => {
        const r = await runLoad({ url: target.url, transactions, subjects, connections: s.pool, threads: s.threads, load: { kind: 'rate', rate }, durationMs: s.sweep.stepDuration * 1000, seed: s.seed, drainMs: 3_000 });
        return {
          rate, achieved: r.throughput, p50: r.latency.p50, p95: r.latency.p95, p99: r.latency.p99, p999: r.latency.p999, errors: r.errors,
          notStarted: r.notStarted, poolWaitMean: r.poolWait.mean, serviceMean: r.service.mean, lagMean: r.lag.mean,
        };
      }, { ...s.sweep, budgetsMs: [200, 50], thinkS: s.thinkSeconds, onPoint: (p) => progress.update(`${p.rate} req/s: p95 ${p.p95.toFixed(1)} ms, achieved ${Math.round(p.achieved)}`) }));
    await restoreWrites(sql, touched);
  }

  const selectOne = harnessCases.find((c) => c.name === 'select_1')!;
  const result: BenchResult = {
    target: target.display,
    scale,
    settings: {
      clients: s.clients, pool: s.pool, durationS: s.duration, isolatedIterations: s.isolatedIterations, mix: mixPath, engine: s.engine,
      threads: s.threads, subjects: subjects.length, pgbenchSubjects: pairedSubjects.length, statementTimeout: timeout, cores,
      loadAverage: { start: loadStart, end: loadStart },
    },
    harness: { pgbench, ...(pgbench ? {} : { skipped: 'pgbench is not on PATH: the Node engine is reported alone' }), cases: harnessCases },
    shipped: {
      isolated, mixed, cost, atDatabase,
      fractionOfCeiling: mixed.throughput / ((s.engine === 'pgbench' ? selectOne.pgbench?.throughput : selectOne.dreamdb.throughput) || 1),
    },
    openLoop,
    capacity,
    payload: payload(mix, isolated),
    realtime: null,
    targets: [],
  };

  if (s.compare) result.baseline = await baseline(ctx, target, sql, s, mix, artists, isolated, mixed, selectOne.dreamdb.throughput, timeout);

  if (s.realtime) {
    result.realtime = await out.task('Realtime: commit → logical decoding → filters and RLS per subscriber, as Realtime does it', (progress) =>
      measureRealtime(target.url, sql, artists, { levels: s.realtimeSubscribers, changesPerLevel: s.realtimeChanges, onProgress: (t) => progress.update(t) }));
  }
  result.settings.loadAverage.end = os.loadavg()[0]!;
  result.targets = benchTargets(result);
  return result;
}

async function baseline(
  ctx: Context, target: Target, sql: Sql, s: Settings, mix: Mix, artists: BenchArtist[], shippedIsolated: IsolatedResult[],
  shippedMixed: LoadResult | PgbenchResult, ceiling: number, timeout: string,
): Promise<NonNullable<BenchResult['baseline']>> {
  const name = `${databaseName(target.url)}_draft_baseline`;
  const url = siblingUrl(target.url, name);
  const out = ctx.out;
  const admin = connect(target.url, { max: 1, connection: { application_name: 'dreamdb bench' } });
  let draft: Sql | undefined;
  try {
    await out.task(`Baseline: the draft's schema in ${name}`, () => createDraftDatabase(admin, url, name));
    draft = connect(url, { max: s.pool, connection: { application_name: 'dreamdb bench' } });
    const d = draft;
    const copied = await out.task('Baseline: copying the same rows', (progress) => copyData(target.url, sql, d, (t) => progress.update(t)));
    const fp = await compareData(sql, d);
    const draftArtists = await loadArtists(d, artists.map((a) => a.id));
    const touched = newTouched();
    try {
      const asWritten = await out.task('Baseline: each request alone, as written', () =>
        runIsolated(d, planRequests(mix, 'draft', 'as-written'), draftArtists, { iterations: Math.min(50, s.isolatedIterations), warmup: 5, seed: s.seed, touched }));
      await restoreWrites(d, touched);
      const repaired = planRequests(mix, 'draft', 'repaired');
      const isolated = await out.task(`Baseline: each request alone, warm, one client`, () =>
        runIsolated(d, repaired, draftArtists, { iterations: s.isolatedIterations, warmup: 30, seed: s.seed, touched }));
      await restoreWrites(d, touched);
      const draftSubjects = pickSubjects(draftArtists, s.subjects);
      touchSubjects(touched, draftSubjects);
      const mixed = await out.task(`Baseline mixed workload: ${s.clients} clients, pool ${s.pool}, ${s.duration} s`, async () =>
        stripSamples(await runLoad({
          url, transactions: buildTransactions(repaired, timeout), subjects: draftSubjects, connections: s.pool, threads: s.threads,
          load: { kind: 'closed', clients: s.clients }, durationMs: s.duration * 1000, seed: s.seed,
        })));
      const comparison = mix.requests.map((r, i): Comparison => {
        const sm = shippedMixed.types[i]!;
        const dm = mixed.types[i]!;
        const si = shippedIsolated[i]!;
        const di = isolated[i]!;
        const written = asWritten[i]!;
        const notes: string[] = [];
        if (written.errors > 0) notes.push(`the draft's request as written fails (${written.errors}/${written.requests}: ${written.errorMessages[0] ?? ''})${r.baseline?.repairedSql ? '; compared with its minimal repair' : ''}`);
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
        database: name, kept: s.keepBaseline, copied, dataIdentical: fp.identical, fingerprints: { shipped: fp.shipped, draft: fp.draft },
        isolatedAsWritten: asWritten, isolated, mixed, fractionOfCeiling: mixed.throughput / ceiling, comparison,
      };
    } finally {
      await restoreWrites(d, touched);
    }
  } finally {
    await draft?.end({ timeout: 5 });
    if (!s.keepBaseline) await admin.unsafe(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

function payload(mix: Mix, isolated: IsolatedResult[]): BenchResult['payload'] {
  const u = mix.usage;
  const totalWeight = mix.requests.reduce((a, r) => a + r.weight, 0);
  const meanBytesPerRequest = mix.requests.reduce((a, r, i) => a + (r.weight / totalWeight) * ((isolated[i]?.bytes ?? 0) + u.headerBytesPerResponse), 0);
  const requestsPerMonth = u.opensPerDay * u.requestsPerOpen * u.daysPerMonth;
  return {
    perType: isolated.map((t) => ({ name: t.name, meanBytes: Math.round(t.bytes), maxBytes: t.bytesMax, gzipMeanBytes: t.gzipMean === null ? null : Math.round(t.gzipMean) })),
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
export async function benchSync(ctx: Context, flags: SyncBenchFlags = {}): Promise<SyncBenchResult> {
  return withTarget(ctx, async (target) => {
    if (target.production) {
      throw new UsageError(`Refusing to bench ${target.display}: it is labelled production.`, {
        hint: 'The sync bench creates artists and writes as them. Point --db at a copy, or change db.label / DREAMDB_LABEL.',
      });
    }
    return ctx.out.task('Sync: offline devices, cut connections, retries', (progress) => runSyncBench(target.url, {
      ...syncBenchDefaults,
      devices: flags.devices ?? syncBenchDefaults.devices,
      devicesPerArtist: flags.devicesPerArtist ?? syncBenchDefaults.devicesPerArtist,
      minutes: flags.syncMinutes ?? syncBenchDefaults.minutes,
      dropRate: flags.dropRate ?? syncBenchDefaults.dropRate,
      seed: flags.seed ?? ctx.config.seed?.seed ?? 1,
      onProgress: (t) => progress.update(t),
    }));
  });
}

function intOption(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1.`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a number above 0.`);
    return n;
  };
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('replay the mobile app\'s request mix at scale as impersonated artists: closed and open loop, capacity, beside pgbench and the draft schema; plus realtime\'s database part')
    .addOption(new Option('--scale <scale>', 'seeded volume (reused when already there)').choices(['small', 'medium', 'large']))
    .option('--clients <n>', 'virtual users of the closed-loop mixed run (concurrent requests); default 16', intOption('--clients'))
    .option('--pool <n>', 'connections (PostgREST\'s default db-pool: 10)', intOption('--pool'))
    .option('--duration <seconds>', 'seconds of the mixed run (and of an open-loop run); default 20', positiveNumber('--duration'))
    .addOption(new Option('--engine <engine>', 'load engine of the mixed and open-loop runs').choices(['dreamdb', 'pgbench']))
    .option('--threads <n>', 'load threads, each with its own connections; default 2', intOption('--threads'))
    .option('--rate <req/s>', 'also an open-loop run at this rate (latency from the scheduled start)', positiveNumber('--rate'))
    .option('--users <n>', 'also an open-loop run of N users, each sending a request every --think seconds', intOption('--users'))
    .option('--think <seconds>', 'think time of --users, and of the users a capacity stands for; default 10', positiveNumber('--think'))
    .option('--sweep', 'find the highest open-loop rate with p95 within 200 ms and within 50 ms')
    .option('--no-pgbench', 'skip the harness check beside pgbench (run when pgbench is on PATH)')
    .option('--mix <file>', 'request mix with weights (default fixtures/bench/mix.json)')
    .addOption(new Option('--compare <what>', 'also run against the draft schema on the same data').choices(['baseline']))
    .option('--keep-baseline', 'keep the baseline database (<db>_draft_baseline) instead of dropping it')
    .option('--no-realtime', 'skip the realtime measurement')
    .option('--sync', 'run the offline-sync bench instead (docs/sync.md): devices offline, conflicting edits, cut connections')
    .option('--devices <n>', 'with --sync: simulated devices (default 20)', intOption('--devices'))
    .option('--devices-per-artist <n>', 'with --sync: devices per artist (default 3)', intOption('--devices-per-artist'))
    .option('--sync-minutes <n>', 'with --sync: simulated minutes of use (default 5)', intOption('--sync-minutes'))
    .option('--drop-rate <p>', 'with --sync: chance a request\'s connection is cut (0..0.9, default 0.25)', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 0.9)) throw new InvalidArgumentError('--drop-rate must be a number from 0 to 0.9.');
      return n;
    })
    .addHelpText('after', `
Seeds the target with dreamdb seed's generated artists (--scale; nothing is re-written when they
are there), then: each request type alone (one client, warm) and timed inside the server; the
harness beside pgbench on the same transactions (select 1, an impersonated empty request, the
read mix); the closed-loop mixed workload (each request one PostgREST-shaped transaction as the
artist, pipelined: one round trip) with pg_stat_statements per request type; optionally an
open-loop run (--rate, --users) and the capacity sweep (--sweep); with --compare baseline the
same against fixtures/bench/draft-schema.sql on the same rows; realtime's database part. Each
target line names the part that holds it back when missed. Writes are restored afterwards; the
replication slot, temporary functions and inserted rows are removed even on error. docs/bench.md.
${TARGET_HELP}

With --sync: simulated devices (several per artist) go offline, edit (the same row on two devices,
deletes), and sync in random order through loopback proxies that cut connections mid-request;
every device's copy is compared with the server's. Reports applied, rejected (by reason), lost,
applied twice, bytes per sync and per user per month, pull latency. Its artists are removed at
the end. Exit 3 when anything was lost, applied twice, or a device differs from the server.

Exit codes: 0 measured (targets are reported, not enforced); 3 the shipped workload had errors;
${EXIT_CODES.trim().split('\n').slice(1).join('\n')}`)
    .action(
      action(async (ctx, opts: BenchOptions & SyncBenchFlags & { sync?: boolean }) => {
        if (opts.sync) {
          const r = await benchSync(ctx, opts);
          ctx.out.result(r, () => renderSyncBench(r));
          return r.lost > 0 || r.duplicated > 0 || r.devices.divergentRows > 0 ? 3 : 0;
        }
        const result = await bench(ctx, opts);
        ctx.out.result(result, () => renderBench(result));
        return result.shipped.mixed.errors > 0 || result.shipped.isolated.some((i) => i.errors > 0) ? 3 : 0;
      }),
    );
}
