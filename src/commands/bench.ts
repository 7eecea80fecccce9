/**
 * `dreamdb bench`: the mobile workload at scale, as real users, beside the draft schema, plus the
 * database's part of realtime latency. docs/bench.md.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { benchConfigSchema, type BenchConfig } from '../config/bench.js';
import { withTarget, type Context, type Target } from '../context.js';
import { connect, type Sql } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { compareData, copyData, createDraftDatabase, databaseName, siblingUrl, type CopiedTable, type TableFingerprint } from '../bench/draft.js';
import { loadMix, type Mix } from '../bench/mix.js';
import { measureRealtime, type RealtimeResult } from '../bench/realtime.js';
import { renderBench } from '../bench/report.js';
import {
  loadArtists, measureCeiling, newTouched, planRequests, restoreWrites, runIsolated, runMixed,
  type BenchArtist, type CeilingResult, type IsolatedResult, type RunResult, type Touched,
} from '../bench/workload.js';
import { todayUtc } from '../seed/dates.js';
import { makeWindow, SCALES, type ScaleName } from '../seed/scale.js';
import { planArtists } from '../seed/write-scale.js';
import { seed } from './seed.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

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

export interface Target_ {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  target: string;
  scale: { name: ScaleName; artists: number; days: number; seed: number; reused: boolean; seedMs: number; metricRows: number };
  settings: { clients: number; pool: number; durationS: number; sessionRequests: number; isolatedIterations: number; mix: string };
  ceiling: CeilingResult;
  shipped: { isolated: IsolatedResult[]; mixed: RunResult; fractionOfCeiling: number };
  baseline?: {
    database: string;
    kept: boolean;
    copied: CopiedTable[];
    dataIdentical: boolean;
    fingerprints: { shipped: TableFingerprint[]; draft: TableFingerprint[] };
    isolatedAsWritten: IsolatedResult[];
    isolated: IsolatedResult[];
    mixed: RunResult;
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
}

export function benchSettings(ctx: Context, options: BenchOptions): Settings {
  const config = benchConfigSchema.parse(ctx.config.bench ?? {});
  const scale = options.scale ?? config.scale;
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
    artists: options.artists ?? SCALES[scale].artists,
    days: options.days ?? SCALES[scale].days,
    seed: options.seed ?? ctx.config.seed?.seed ?? 1,
    compare: options.compare === 'baseline',
    keepBaseline: Boolean(options.keepBaseline),
    realtime: options.realtime !== false,
  };
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a whole number of at least 1 (got ${v}).`);
  };
  positiveInt('clients', s.clients);
  positiveInt('pool', s.pool);
  if (!(s.duration > 0)) throw new UsageError(`--duration must be a number of seconds above 0 (got ${s.duration}).`);
  return s;
}

export async function bench(ctx: Context, options: BenchOptions = {}): Promise<BenchResult> {
  const s = benchSettings(ctx, options);
  const { mix, path: mixPath } = await loadMix(s.mix, ctx.cwd);
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
      return await run(ctx, target, sql, s, mix, mixPath, artists, touched, scale);
    } finally {
      await restoreWrites(sql, touched);
      await sql.end({ timeout: 5 });
    }
  });
}

async function run(
  ctx: Context, target: Target, sql: Sql, s: Settings, mix: Mix, mixPath: string, artists: BenchArtist[], touched: Touched, scale: BenchResult['scale'],
): Promise<BenchResult> {
  const shippedRequests = planRequests(mix, 'shipped');
  const out = ctx.out;
  const isolated = await out.task(`Each request alone, warm, one client (${s.isolatedIterations} runs each)`, () =>
    runIsolated(sql, shippedRequests, artists, { iterations: s.isolatedIterations, warmup: 30, seed: s.seed, touched }));
  await restoreWrites(sql, touched);
  const ceiling = await out.task(`The ceiling: select 1 and an empty request, ${s.clients} clients`, () =>
    measureCeiling(sql, artists[0]!, s.clients, s.ceilingDuration * 1000));
  const mixed = await out.task(`Mixed workload: ${s.clients} clients, pool ${s.pool}, ${s.duration} s`, (progress) =>
    runMixed(sql, shippedRequests, artists, {
      clients: s.clients, pool: s.pool, durationMs: s.duration * 1000, sessionRequests: s.sessionRequests, seed: s.seed, touched,
      onTick: (done, ms) => progress.update(`${done.toLocaleString('en-US')} requests, ${Math.round(done / (ms / 1000)).toLocaleString('en-US')}/s`),
    }));
  await restoreWrites(sql, touched);

  const result: BenchResult = {
    target: target.display,
    scale,
    settings: { clients: s.clients, pool: s.pool, durationS: s.duration, sessionRequests: s.sessionRequests, isolatedIterations: s.isolatedIterations, mix: mixPath },
    ceiling,
    shipped: { isolated, mixed, fractionOfCeiling: mixed.throughput / ceiling.trivial.throughput },
    payload: payload(mix, mixed),
    realtime: null,
    targets: [],
  };

  if (s.compare) result.baseline = await baseline(ctx, target, sql, s, mix, artists, isolated, mixed, ceiling);

  if (s.realtime) {
    result.realtime = await out.task('Realtime: commit → logical decoding → per-subscriber RLS', (progress) =>
      measureRealtime(target.url, sql, artists, { levels: s.realtimeSubscribers, changesPerLevel: s.realtimeChanges, onProgress: (t) => progress.update(t) }));
  }
  result.targets = targets(result);
  return result;
}

async function baseline(
  ctx: Context, target: Target, sql: Sql, s: Settings, mix: Mix, artists: BenchArtist[], shippedIsolated: IsolatedResult[], shippedMixed: RunResult, ceiling: CeilingResult,
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
      const mixed = await out.task(`Baseline mixed workload: ${s.clients} clients, pool ${s.pool}, ${s.duration} s`, () =>
        runMixed(d, repaired, draftArtists, { clients: s.clients, pool: s.pool, durationMs: s.duration * 1000, sessionRequests: s.sessionRequests, seed: s.seed, touched }));
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
        isolatedAsWritten: asWritten, isolated, mixed, fractionOfCeiling: mixed.throughput / ceiling.trivial.throughput, comparison,
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

function payload(mix: Mix, mixed: RunResult): BenchResult['payload'] {
  const u = mix.usage;
  const totalWeight = mix.requests.reduce((a, r) => a + r.weight, 0);
  const meanBytesPerRequest = mix.requests.reduce((a, r, i) => a + (r.weight / totalWeight) * (mixed.types[i]!.bytes.mean + u.headerBytesPerResponse), 0);
  const requestsPerMonth = u.opensPerDay * u.requestsPerOpen * u.daysPerMonth;
  return {
    perType: mixed.types.map((t) => ({ name: t.name, meanBytes: Math.round(t.bytes.mean), maxBytes: t.bytes.max, gzipMeanBytes: t.bytes.gzipMean === null ? null : Math.round(t.bytes.gzipMean) })),
    meanBytesPerRequest: Math.round(meanBytesPerRequest),
    requestsPerMonth,
    monthlyBytes: Math.round(meanBytesPerRequest * requestsPerMonth),
    targetMonthlyBytes: u.targetMonthlyBytes,
    usage: `${u.opensPerDay} opens/day × ${u.requestsPerOpen} requests × ${u.daysPerMonth} days, +${u.headerBytesPerResponse} B headers per response`,
  };
}

const f2 = (n: number) => `${n.toFixed(2)} ms`;

function targets(r: BenchResult): Target_[] {
  const out: Target_[] = [];
  const dash = r.shipped.isolated.find((i) => i.name === 'dashboard');
  if (dash) out.push({ name: `dashboard, warm, one client (scale ${r.scale.name})`, target: 'p95 < 2 ms', measured: `p95 ${f2(dash.latency.p95)}`, met: dash.errors === 0 && dash.latency.p95 < 2 });
  const m = r.shipped.mixed;
  out.push({
    name: `mixed workload, ${m.clients} clients`, target: 'p95 < 10 ms, 0 errors',
    measured: `p95 ${f2(m.latency.p95)}, ${m.errors} errors, ${Math.round(m.throughput)} req/s = ${(r.shipped.fractionOfCeiling * 100).toFixed(0)}% of the select-1 ceiling`,
    met: m.latency.p95 < 10 && m.errors === 0,
  });
  if (r.baseline) {
    const slower = r.baseline.comparison.filter((c) => c.ratio !== null && c.ratio > 1);
    out.push({
      name: 'no request type slower than the draft (mixed p95)', target: 'ratio ≤ 1 for each',
      measured: slower.length ? `slower: ${slower.map((c) => `${c.name} ×${c.ratio!.toFixed(2)}`).join(', ')}` : 'none slower',
      met: slower.length === 0,
    });
  }
  const rt = r.realtime?.levels.find((l) => l.subscribers === 1000) ?? r.realtime?.levels.at(-1);
  if (rt) out.push({ name: `realtime, database part, ${rt.subscribers} subscribers`, target: 'p95 < 50 ms', measured: `p95 ${f2(rt.total.p95)}`, met: rt.total.p95 < 50 && rt.visibilityCorrect });
  else out.push({ name: 'realtime, database part', target: 'p95 < 50 ms', measured: r.realtime?.skipped ?? 'not run', met: null });
  const db = r.payload.perType.find((p) => p.name === 'dashboard');
  if (db) out.push({ name: 'dashboard payload', target: '< 5 KB', measured: `mean ${db.meanBytes} B, max ${db.maxBytes} B (JSON body)`, met: db.maxBytes < 5 * 1024 });
  out.push({
    name: 'monthly data per active user', target: `< ${(r.payload.targetMonthlyBytes / 1048576).toFixed(0)} MB`,
    measured: `${(r.payload.monthlyBytes / 1048576).toFixed(2)} MB (${r.payload.usage})`, met: r.payload.monthlyBytes < r.payload.targetMonthlyBytes,
  });
  return out;
}

function intOption(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1.`);
    return n;
  };
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('replay the mobile app\'s request mix at scale as impersonated artists; optionally beside the draft schema; plus realtime\'s database part')
    .addOption(new Option('--scale <scale>', 'seeded volume (reused when already there)').choices(['small', 'medium', 'large']))
    .option('--clients <n>', 'virtual users (concurrent requests); default 16', intOption('--clients'))
    .option('--pool <n>', 'connections in the pool (PostgREST\'s default db-pool: 10)', intOption('--pool'))
    .option('--duration <seconds>', 'seconds of mixed workload per schema; default 20', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError('--duration must be a number of seconds above 0.');
      return n;
    })
    .option('--mix <file>', 'request mix with weights (default fixtures/bench/mix.json)')
    .addOption(new Option('--compare <what>', 'also run against the draft schema on the same data').choices(['baseline']))
    .option('--keep-baseline', 'keep the baseline database (<db>_draft_baseline) instead of dropping it')
    .option('--no-realtime', 'skip the realtime measurement')
    .addHelpText('after', `
Seeds the target with dreamdb seed's generated artists (--scale; nothing is re-written when they
are there), then: each request type alone (one client, warm); a select-1 ceiling through the same
pool; the mixed workload (each request one PostgREST-shaped transaction as the artist); with
--compare baseline the same against fixtures/bench/draft-schema.sql in a second database holding
the same rows; realtime's database part. Writes are restored afterwards; the replication slot,
temporary function and inserted rows are removed even on error.
${TARGET_HELP}

Exit codes: 0 measured (targets are reported, not enforced); 3 the shipped workload had errors;
${EXIT_CODES.trim().split('\n').slice(1).join('\n')}`)
    .action(
      action(async (ctx, opts: { scale?: ScaleName; clients?: number; pool?: number; duration?: number; mix?: string; compare?: 'baseline'; keepBaseline?: boolean; realtime?: boolean }) => {
        const result = await bench(ctx, opts);
        ctx.out.result(result, () => renderBench(result));
        return result.shipped.mixed.errors > 0 || result.shipped.isolated.some((i) => i.errors > 0) ? 3 : 0;
      }),
    );
}
