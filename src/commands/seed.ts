/**
 * `dreamdb seed`: the hand-written fixtures (idempotent, hash-tracked in the Supabase CLI's
 * seed_files), and with --scale / --artists / --days deterministic generated volume written with
 * COPY. Never on a target labelled production.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { withTarget, type Context, type Target } from '../context.js';
import { withDb, type Sql } from '../db/connect.js';
import { LockKeys, withAdvisoryLock } from '../db/lock.js';
import { isPgError } from '../db/sqlfile.js';
import { CancelledError, DreamdbError, UsageError } from '../errors.js';
import { isSupabase } from '../migrate/engine.js';
import { packageRoot } from '../paths.js';
import { style } from '../ui/output.js';
import { applyFixtureRows, DEV_PASSWORD, ensureSeedLedger, gotrueTokenColumns, readSeedHashes } from '../seed/apply.js';
import { parseDate, todayUtc } from '../seed/dates.js';
import { expandFixture, loadFixtures, type FixtureRows, type LoadedFixture } from '../seed/fixtures.js';
import { ensureMetricsPartitions } from '../seed/metrics-partitions.js';
import { makeWindow, SCALES, type ScaleName, type Window } from '../seed/scale.js';
import { planArtists, writeScale, type ScaleProgress, type ScaleWriteResult, type TableCounts } from '../seed/write-scale.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export interface SeedOptions {
  scale?: ScaleName;
  artists?: number;
  days?: number;
  /** PRNG seed for generated data (default: config seed.seed, else 1). */
  seed?: number;
  /** Last day of generated data, yyyy-mm-dd (default: today, UTC). */
  endDate?: string;
  /** Apply the fixtures (default true). */
  fixtures?: boolean;
  /** Re-apply every fixture file, even those whose hash is unchanged (rows deleted since, say). */
  reapply?: boolean;
  dryRun?: boolean;
  /** "today" for relative fixture dates, as a UTC day number (tests pin it). */
  today?: number;
}

export interface FixtureOutcome {
  path: string;
  artist: string;
  status: 'applied' | 'unchanged' | 'would-apply';
  rows: number;
}

export interface ScaleOutcome {
  seed: number;
  artists: number;
  days: number;
  startDate: string;
  endDate: string;
  artistsAdded: number;
  artistsSkipped: number;
  rows: TableCounts | null;
  totalRows: number;
  /** Rows the run will write (dry run) or wrote. */
  expectedMetricRows: number;
  durationMs: number;
  rowsPerSecond: number;
  metricRowsPerSecond: number;
}

export interface SeedResult {
  target: string;
  dryRun: boolean;
  fixtures: FixtureOutcome[];
  partitions: { year: number; status: string }[];
  scale: ScaleOutcome | null;
}

interface ScaleSettings {
  seed: number;
  artists: number;
  days: number;
  endDay: number;
}

/** Flags → what to generate, validated once; undefined when no volume was asked for. */
export function scaleSettings(ctx: Context, options: SeedOptions): ScaleSettings | undefined {
  if (!options.scale && options.artists === undefined && options.days === undefined) {
    if (options.seed !== undefined || options.endDate !== undefined) {
      throw new UsageError('--seed and --end-date apply to generated data.', { hint: 'Add --scale small|medium|large, or --artists N --days D.' });
    }
    return undefined;
  }
  const preset = SCALES[options.scale ?? 'small'];
  const artists = options.artists ?? preset.artists;
  const days = options.days ?? preset.days;
  if (!Number.isInteger(artists) || artists < 1 || artists > 1_000_000) throw new UsageError(`--artists must be a whole number from 1 to 1,000,000 (got ${artists}).`);
  if (!Number.isInteger(days) || days < 1 || days > 3_660) throw new UsageError(`--days must be a whole number from 1 to 3,660 (got ${days}).`);
  let endDay = todayUtc();
  if (options.endDate !== undefined) {
    const parsed = parseDate(options.endDate);
    if (parsed === undefined) throw new UsageError(`--end-date must be a date like 2026-11-30 (got "${options.endDate}").`);
    endDay = parsed;
  }
  const seed = options.seed ?? ctx.config.seed?.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) throw new UsageError(`--seed must be a whole number from 0 to 2147483647 (got ${seed}).`);
  return { seed, artists, days, endDay };
}

/** seed.fixturesDir, else fixtures/seed in the working directory, else the one shipped with dreamdb. */
export function fixturesLocation(ctx: Context): { dir: string; base: string } {
  const configured = ctx.config.seed?.fixturesDir;
  if (configured) return { dir: path.resolve(ctx.cwd, configured), base: ctx.cwd };
  const local = path.join(ctx.cwd, 'fixtures', 'seed');
  if (existsSync(local)) return { dir: local, base: ctx.cwd };
  return { dir: path.join(packageRoot, 'fixtures', 'seed'), base: packageRoot };
}

export async function seed(ctx: Context, options: SeedOptions = {}): Promise<SeedResult> {
  const scale = scaleSettings(ctx, options);
  const withFixtures = options.fixtures !== false;
  const today = options.today ?? todayUtc();
  // Validate every fixture before connecting: a bad file never leaves half-written data.
  const where = fixturesLocation(ctx);
  const fixtures = withFixtures ? await loadFixtures(where.dir, where.base) : [];
  const expanded = fixtures.map((f) => ({ fixture: f, rows: expandFixture(f.data, today) }));

  return withTarget(ctx, async (target) => {
    refuseProduction(target);
    return withDb(target.url, (sql) =>
      withAdvisoryLock(sql, LockKeys.seed, { waitMs: 60_000, what: 'dreamdb seed', onWait: () => ctx.out.info('Waiting for another dreamdb seed on this database ...') }, () =>
        run(ctx, sql, target, { scale, expanded, dryRun: Boolean(options.dryRun), reapply: Boolean(options.reapply) }),
      ),
    { max: 1, connection: { application_name: 'dreamdb seed' } });
  });
}

function refuseProduction(target: Target): void {
  if (target.production) {
    throw new UsageError(`Refusing to seed ${target.display}: it is labelled production.`, {
      hint: 'Seed data is for development, CI and staging. Point --db at another database, or change db.label / DREAMDB_LABEL.',
    });
  }
}

async function requireSchema(sql: Sql): Promise<void> {
  const [row] = await sql<{ ok: boolean }[]>`
    select to_regclass('public.artists') is not null and to_regclass('public.metrics') is not null
       and to_regclass('auth.users') is not null as ok`;
  if (!row?.ok) {
    throw new UsageError('The target has no Dream Suite schema (public.artists, public.metrics, auth.users).', { hint: 'Run dreamdb migrate first.' });
  }
}

interface SeedInput {
  scale: ScaleSettings | undefined;
  expanded: { fixture: LoadedFixture; rows: FixtureRows }[];
  dryRun: boolean;
  reapply: boolean;
}

/** Plan, confirm, then apply: partitions, each changed fixture file, the generated volume. */
async function run(ctx: Context, sql: Sql, target: Target, input: SeedInput): Promise<SeedResult> {
  await requireSchema(sql);
  const hashes = await readSeedHashes(sql);
  const changed = input.expanded.filter(({ fixture }) => input.reapply || hashes.get(fixture.path) !== fixture.hash);
  const fixtures: FixtureOutcome[] = input.expanded.map(({ fixture }) => ({
    path: fixture.path,
    artist: fixture.data.artist.name,
    status: !changed.some((c) => c.fixture === fixture) ? 'unchanged' : input.dryRun ? 'would-apply' : 'applied',
    rows: 0,
  }));
  const volume = input.scale ? await planVolume(sql, input.scale) : undefined;
  const years = yearsNeeded(changed.map((c) => c.rows), volume);
  const outcome = (extra: Partial<ScaleOutcome> = {}): ScaleOutcome | null => (volume ? scaleOutcome(volume, extra) : null);

  if (input.dryRun) {
    return { target: target.display, dryRun: true, fixtures, partitions: years.map((year) => ({ year, status: 'ensure' })), scale: outcome() };
  }
  if (volume && volume.toAdd > 0) await confirmVolume(ctx, sql, input.expanded.map((e) => e.fixture.data.artist.id), volume.toAdd, volume.settings.days);
  const partitions = await ensureMetricsPartitions(sql, years);

  await ensureSeedLedger(sql);
  const auth = { supabase: await isSupabase(sql), gotrueColumns: await gotrueTokenColumns(sql) };
  for (const { fixture, rows } of changed) {
    try {
      fixtures.find((f) => f.path === fixture.path)!.rows = await sql.begin((tx) => applyFixtureRows(tx, fixture, rows, auth));
    } catch (error) {
      throw asSeedError(error, `Applying ${fixture.path} failed`, 'Fix the fixture (or the conflicting row in the database) and run dreamdb seed again; this file was rolled back.');
    }
  }

  const result = { target: target.display, dryRun: false, fixtures, partitions };
  if (!volume || volume.toAdd === 0) return { ...result, scale: outcome() };
  return { ...result, scale: await generate(ctx, sql, volume, auth) };
}

interface Volume {
  settings: ScaleSettings;
  window: Window;
  /** Ids of the run's artists already in the database: skipped. */
  existing: Set<string>;
  toAdd: number;
}

async function planVolume(sql: Sql, settings: ScaleSettings): Promise<Volume> {
  const window = makeWindow(settings.endDay, settings.days);
  const plans = planArtists({ seed: settings.seed, artists: settings.artists, window });
  const existing = new Set<string>();
  for (let at = 0; at < plans.length; at += 10_000) {
    const ids = plans.slice(at, at + 10_000).map((a) => a.id);
    for (const r of await sql<{ id: string }[]>`select id::text from public.artists where id = any(${ids}::uuid[])`) existing.add(r.id);
  }
  return { settings, window, existing, toAdd: plans.length - existing.size };
}

/** The years metrics rows will land in: each needs a partition. */
function yearsNeeded(fixtureRows: FixtureRows[], volume: Volume | undefined): number[] {
  const years = new Set<number>();
  for (const rows of fixtureRows) for (const m of rows.metrics) years.add(Number(String(m.metric_date).slice(0, 4)));
  if (volume && volume.toAdd > 0) {
    const { dates, days } = volume.window;
    for (let y = Number(dates[0]!.slice(0, 4)); y <= Number(dates[days - 1]!.slice(0, 4)); y += 1) years.add(y);
  }
  return [...years].sort();
}

function scaleOutcome(v: Volume, extra: Partial<ScaleOutcome>): ScaleOutcome {
  return {
    seed: v.settings.seed, artists: v.settings.artists, days: v.settings.days, startDate: v.window.dates[0]!, endDate: v.window.dates[v.window.days - 1]!,
    artistsAdded: 0, artistsSkipped: v.existing.size, rows: null, totalRows: 0, expectedMetricRows: v.toAdd * v.settings.days * 5,
    durationMs: 0, rowsPerSecond: 0, metricRowsPerSecond: 0, ...extra,
  };
}

/** Writes the generated artists with COPY, in one transaction, with a progress bar. */
async function generate(ctx: Context, sql: Sql, v: Volume, auth: { supabase: boolean; gotrueColumns: string[] }): Promise<ScaleOutcome> {
  const { seed: seedValue, artists, days } = v.settings;
  const [hash] = await sql<{ h: string }[]>`select extensions.crypt(${DEV_PASSWORD}, extensions.gen_salt('bf')) as h`;
  let written: ScaleWriteResult;
  try {
    written = await ctx.out.task(`Generating ${v.toAdd.toLocaleString('en-US')} artists × ${days} days (seed ${seedValue})`, (progress) =>
      sql.begin((tx) =>
        writeScale(tx, { seed: seedValue, artists, window: v.window }, {
          existing: v.existing,
          passwordHash: hash!.h,
          extraAuthColumns: auth.gotrueColumns,
          supabase: auth.supabase,
          onProgress: (p) => progress.update(progressLine(p)),
          // A terminal redraws one line; a CI log gets a line every few seconds, not thousands.
          progressEveryMs: ctx.out.interactive ? 200 : 5_000,
        }),
      ),
    );
  } catch (error) {
    throw asSeedError(error, 'Writing generated data failed', 'No generated data was written (one transaction). Run with --debug for the details.');
  }
  // Autovacuum never analyzes a partitioned parent; the planner needs the new volume's stats.
  await sql`analyze public.artists, public.metrics, public.insights, public.tasks, public.achievements, public.content, public.notifications, public.platform_connections`;
  return scaleOutcome(v, {
    artistsAdded: written.artistsAdded,
    artistsSkipped: written.artistsSkipped,
    rows: written.rows,
    totalRows: written.totalRows,
    durationMs: Math.round(written.durationMs),
    rowsPerSecond: Math.round(written.totalRows / (written.durationMs / 1000)),
    metricRowsPerSecond: Math.round(written.rows.metrics / (written.metricsMs / 1000)),
  });
}

/** Asks before adding volume to a database that already holds other artists. */
async function confirmVolume(ctx: Context, sql: Sql, fixtureIds: string[], toAdd: number, days: number): Promise<void> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from public.artists where not (id = any(${fixtureIds}::uuid[]))`;
  const others = row?.n ?? 0;
  if (others === 0 || ctx.flags.yes) return;
  const message = `The database already has ${others.toLocaleString('en-US')} artist(s); add ${toAdd.toLocaleString('en-US')} generated artists with ${days} days of metrics?`;
  await ctx.out.confirmOrCancel(message, { hint: 'Pass --yes to add the volume non-interactively.', declined: 'Not confirmed; no generated data was written.' });
}

function asSeedError(error: unknown, what: string, hint: string): unknown {
  if (error instanceof DreamdbError || !isPgError(error)) return error;
  const e = error as Error & { code?: string; detail?: string; where?: string };
  return new DreamdbError(`${what}: ${e.message}${e.code ? ` (${e.code})` : ''}`, {
    details: [e.detail, e.where].filter((x): x is string => Boolean(x)).map((x) => x.split('\n')[0]!.slice(0, 300)),
    hint,
    cause: error,
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function progressLine(p: ScaleProgress): string {
  const share = p.totalMetricRows ? p.metricRows / p.totalMetricRows : 1;
  const width = 24;
  const filled = Math.round(share * width);
  const rate = p.elapsedMs > 0 ? (p.rows / p.elapsedMs) * 1000 : 0;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor(share * 100)}%  metrics ${fmt(p.metricRows)}/${fmt(p.totalMetricRows)}  ${fmt(rate)} rows/s`;
}

export function renderSeed(r: SeedResult): string[] {
  const lines: string[] = [];
  const verb = r.dryRun ? 'Plan for' : 'Seeded';
  lines.push(`${verb} ${r.target}`);
  for (const f of r.fixtures) {
    const label = f.status === 'applied' ? style.green('applied  ') : f.status === 'would-apply' ? style.cyan('would apply') : style.dim('unchanged');
    lines.push(`  ${label} ${f.path} (${f.artist})${f.status === 'applied' ? style.dim(`  ${fmt(f.rows)} rows`) : ''}`);
  }
  if (!r.fixtures.length) lines.push(style.dim('  fixtures skipped'));
  const s = r.scale;
  if (s) {
    const span = `${s.artists.toLocaleString('en-US')} artists × ${s.days} days (${s.startDate} .. ${s.endDate}), seed ${s.seed}`;
    if (r.dryRun) {
      lines.push(`  generate  ${span}: ${fmt(s.artists - s.artistsSkipped)} new artists, ${fmt(s.expectedMetricRows)} metric rows${s.artistsSkipped ? `, ${fmt(s.artistsSkipped)} already present` : ''}`);
    } else if (s.artistsAdded === 0) {
      lines.push(`  ${style.dim('unchanged')} ${span}: every artist is already present`);
    } else {
      lines.push(`  ${style.green('generated')} ${span}${s.artistsSkipped ? ` (${fmt(s.artistsSkipped)} already present, skipped)` : ''}`);
      const rows = s.rows!;
      lines.push(style.dim(`            ${Object.entries(rows).map(([t, n]) => `${t} ${fmt(n)}`).join(', ')}`));
      lines.push(`  Wrote ${fmt(s.totalRows)} rows in ${(s.durationMs / 1000).toFixed(1)} s: ${style.bold(`${fmt(s.rowsPerSecond)} rows/s`)} (metrics ${fmt(s.metricRowsPerSecond)} rows/s)`);
    }
  }
  if (!r.dryRun && r.fixtures.some((f) => f.status === 'applied')) lines.push(style.dim('  Sign in as any seeded artist with the development password (docs/seed.md).'));
  return lines;
}

function integer(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return Number(value);
  };
}

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('load the fixtures (idempotent, hash-tracked) and, with --scale or --artists/--days, generated volume')
    .addOption(new Option('--scale <size>', 'generate volume: small (100 artists × 90 days), medium (1,000 × 365), large (10,000 × 730)').choices(Object.keys(SCALES)))
    .option('--artists <n>', 'generated artists (overrides the scale\'s)', integer('--artists'))
    .option('--days <n>', 'days of daily metrics per artist and platform (overrides the scale\'s)', integer('--days'))
    .option('--seed <n>', 'seed of the generator: the same seed gives the same data (default: config seed.seed, else 1)', integer('--seed'))
    .option('--end-date <yyyy-mm-dd>', 'last day of generated metrics (default: today, UTC)')
    .option('--no-fixtures', 'skip the fixture files')
    .option('--reapply', 're-apply every fixture file, even unchanged ones (after rows were deleted, say)')
    .option('--dry-run', 'show what would be applied and generated; change nothing')
    .addHelpText('after', `${TARGET_HELP}
Fixtures: every *.json in fixtures/seed (or seed.fixturesDir), validated before anything is
written; each file is applied in one transaction and recorded with its sha256 in
supabase_migrations.seed_files, so unchanged files are skipped and changed ones re-applied
(rows are upserted by stable ids). Generated volume is written with COPY in one transaction;
artists already present are skipped, so a rerun adds only what is missing. Every seeded artist
has an auth.users row with the development password (docs/seed.md).
Refuses a target labelled production. Adding volume to a database that already has other
artists asks first (or needs --yes; without a terminal it exits 2).
${EXIT_CODES}`)
    .action(
      action(async (ctx, opts: { scale?: ScaleName; artists?: number; days?: number; seed?: number; endDate?: string; fixtures: boolean; reapply?: boolean; dryRun?: boolean }) => {
        const result = await seed(ctx, {
          scale: opts.scale, artists: opts.artists, days: opts.days, seed: opts.seed, endDate: opts.endDate,
          fixtures: opts.fixtures, reapply: opts.reapply, dryRun: opts.dryRun,
        });
        ctx.out.result(result, () => renderSeed(result));
      }),
    );
}

