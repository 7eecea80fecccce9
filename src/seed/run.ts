/**
 * Seeding a database, as a library: the hand-written fixtures (idempotent, hash-tracked in the
 * Supabase CLI's seed_files) and deterministic generated volume written with COPY. Plan, confirm,
 * then apply, under the seed's advisory lock. `dreamdb seed`, `db reset` and the bench call this.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { withDb, type Sql } from '../db/connect.js';
import { LockKeys, withAdvisoryLock } from '../db/lock.js';
import { redactUrl } from '../db/redact.js';
import { parseWholeNumber } from '../config/values.js';
import { pgErrorDetails, isPgError } from '../db/pg-errors.js';
import { packagedSql } from '../db/queries.js';
import { DreamdbError, NotMigratedError, UsageError } from '../errors.js';
import { isSupabase } from '../migrate/engine.js';
import { packageRoot } from '../paths.js';
import type { Output } from '../ui/output.js';
import { applyFixtureRows, DEV_PASSWORD, ensureSeedLedger, gotrueTokenColumns, readSeedHashes } from './apply.js';
import { todayUtc } from './dates.js';
import { expandFixture, loadFixtures, type FixtureRows, type LoadedFixture } from './fixtures.js';
import { ensureMetricsPartitions } from './metrics-partitions.js';
import { progressLine } from './report.js';
import { makeWindow, type Window } from './scale.js';
import type { FixtureOutcome, ScaleOutcome, SeedResult } from './result.js';
import { planArtists, writeScale, type ScaleWriteResult } from './write-scale.js';

export type { FixtureOutcome, ScaleOutcome, SeedResult } from './result.js';

/** What to generate: `artists` artists with `days` days of metrics ending on `endDay`. */
export interface VolumeSettings {
  seed: number;
  artists: number;
  days: number;
  /** Last day of generated data, as a UTC day number (default: today). */
  endDay?: number;
}

export interface FixturesDir {
  dir: string;
  /** Paths are shown (and recorded in seed_files) relative to this directory. */
  base: string;
}

export interface SeedDatabaseOptions {
  /** Fixture files to apply; omitted: none. */
  fixtures?: FixturesDir;
  /** Generated volume; omitted: none. */
  volume?: VolumeSettings;
  /** Re-apply every fixture file, even those whose hash is unchanged (rows deleted since, say). */
  reapply?: boolean;
  dryRun?: boolean;
  /** "today" for relative fixture dates, as a UTC day number (tests pin it). */
  today?: number;
}

export interface SeedHooks {
  /** Runs the long generation step with progress (Output.task fits); default: silently. */
  task?: <T>(title: string, fn: (progress: { update(text: string): void }) => Promise<T>) => Promise<T>;
  /** Asked before adding volume to a database that already holds other artists: resolve to go on, throw to stop. Default: go on. */
  confirmVolume?: (question: string) => Promise<void>;
  /** Another dreamdb seed holds this database's seed lock. */
  onWait?: () => void;
  /** At most one progress line per this many ms (default 5,000). */
  progressEveryMs?: number;
}

export type SeedTarget = string | { url: string; display: string; production?: boolean };

/** The hooks of the CLI: the output's progress and prompt; --yes answers the question. */
export function seedHooks(out: Output, options: { yes?: boolean } = {}): SeedHooks {
  return {
    task: (title, fn) => out.task(title, fn),
    confirmVolume: (message) =>
      options.yes
        ? Promise.resolve()
        : out.confirmOrCancel(message, {
            hint: 'Pass --yes to add the volume non-interactively.',
            declined: 'Not confirmed; no generated data was written.',
          }),
    onWait: () => out.info('Waiting for another dreamdb seed on this database ...'),
    // A terminal redraws one line; a CI log gets a line every few seconds, not thousands.
    progressEveryMs: out.interactive ? 200 : 5_000,
  };
}

/** seed.fixturesDir, else fixtures/seed in the working directory, else the one shipped with dreamdb. */
export function fixturesLocation(cwd: string, configured?: string): FixturesDir {
  if (configured) return { dir: path.resolve(cwd, configured), base: cwd };
  const local = path.join(cwd, 'fixtures', 'seed');
  if (existsSync(local)) return { dir: local, base: cwd };
  return { dir: path.join(packageRoot, 'fixtures', 'seed'), base: packageRoot };
}

/** The checked input of a seed: every fixture validated and expanded, the volume in range. */
export interface PreparedSeed {
  volume: Required<VolumeSettings> | undefined;
  expanded: { fixture: LoadedFixture; rows: FixtureRows }[];
  dryRun: boolean;
  reapply: boolean;
}

/** Validates everything before connecting: a bad file or number never leaves half-written data. */
export async function prepareSeed(options: SeedDatabaseOptions = {}): Promise<PreparedSeed> {
  const today = options.today ?? todayUtc();
  const volume = options.volume ? checkVolume(options.volume) : undefined;
  const fixtures = options.fixtures ? await loadFixtures(options.fixtures.dir, options.fixtures.base) : [];
  return {
    volume,
    expanded: fixtures.map((f) => ({ fixture: f, rows: expandFixture(f.data, today) })),
    dryRun: Boolean(options.dryRun),
    reapply: Boolean(options.reapply),
  };
}

function checkVolume(v: VolumeSettings): Required<VolumeSettings> {
  return {
    artists: parseWholeNumber(v.artists, { name: '--artists', min: 1, max: 1_000_000 }),
    days: parseWholeNumber(v.days, { name: '--days', min: 1, max: 3_660 }),
    seed: parseWholeNumber(v.seed, { name: '--seed', min: 0, max: 2 ** 31 - 1 }),
    endDay: v.endDay ?? todayUtc(),
  };
}

/** Seeds the target: prepareSeed, then applySeed. */
export async function seedDatabase(
  target: SeedTarget,
  options: SeedDatabaseOptions = {},
  hooks: SeedHooks = {},
): Promise<SeedResult> {
  return applySeed(target, await prepareSeed(options), hooks);
}

/** Plan, confirm, then apply: partitions, each changed fixture file, the generated volume. */
export async function applySeed(target: SeedTarget, input: PreparedSeed, hooks: SeedHooks = {}): Promise<SeedResult> {
  const t = typeof target === 'string' ? { url: target, display: redactUrl(target), production: false } : target;
  if (t.production) {
    throw new UsageError(`Refusing to seed ${t.display}: it is labelled production.`, {
      hint: 'Seed data is for development, CI and staging. Point --db at another database, or change db.label / DREAMDB_LABEL.',
    });
  }
  return withDb(
    t.url,
    (sql) =>
      withAdvisoryLock(
        sql,
        LockKeys.seed,
        { waitMs: 60_000, waitFlag: null, what: 'dreamdb seed', onWait: () => hooks.onWait?.() },
        () => seedOnConnection(sql, t.display, input, hooks),
      ),
    { max: 1, connection: { application_name: 'dreamdb seed' } },
  );
}

async function requireSchema(sql: Sql): Promise<void> {
  const [row] = await sql.unsafe<{ ok: boolean }[]>(packagedSql('seed/schema-present.sql'));
  if (!row?.ok) throw new NotMigratedError('Dream Suite schema (public.artists, public.metrics, auth.users)');
}

async function seedOnConnection(sql: Sql, display: string, input: PreparedSeed, hooks: SeedHooks): Promise<SeedResult> {
  await requireSchema(sql);
  const hashes = await readSeedHashes(sql);
  const changed = input.expanded.filter(({ fixture }) => input.reapply || hashes.get(fixture.path) !== fixture.hash);
  const fixtures: FixtureOutcome[] = input.expanded.map(({ fixture }) => ({
    path: fixture.path,
    artist: fixture.data.artist.name,
    status: !changed.some((c) => c.fixture === fixture) ? 'unchanged' : input.dryRun ? 'would-apply' : 'applied',
    rows: 0,
  }));
  const volume = input.volume ? await planVolume(sql, input.volume) : undefined;
  const years = yearsNeeded(
    changed.map((c) => c.rows),
    volume,
  );
  const outcome = (extra: Partial<ScaleOutcome> = {}): ScaleOutcome | null =>
    volume ? scaleOutcome(volume, extra) : null;

  if (input.dryRun) {
    return {
      target: display,
      dryRun: true,
      fixtures,
      partitions: years.map((year) => ({ year, status: 'ensure' })),
      scale: outcome(),
    };
  }
  if (volume && volume.toAdd > 0)
    await confirmVolume(
      sql,
      hooks,
      input.expanded.map((e) => e.fixture.data.artist.id),
      volume,
    );
  const partitions = await ensureMetricsPartitions(sql, years);

  await ensureSeedLedger(sql);
  const auth = { supabase: await isSupabase(sql), gotrueColumns: await gotrueTokenColumns(sql) };
  for (const { fixture, rows } of changed) {
    try {
      fixtures.find((f) => f.path === fixture.path)!.rows = await sql.begin((tx) =>
        applyFixtureRows(tx, fixture, rows, auth),
      );
    } catch (error) {
      throw asSeedError(
        error,
        `Applying ${fixture.path} failed`,
        'Fix the fixture (or the conflicting row in the database) and run dreamdb seed again; this file was rolled back.',
      );
    }
  }

  const result = { target: display, dryRun: false, fixtures, partitions };
  if (!volume || volume.toAdd === 0) return { ...result, scale: outcome() };
  return { ...result, scale: await generate(sql, volume, auth, hooks) };
}

interface Volume {
  settings: Required<VolumeSettings>;
  window: Window;
  /** Ids of the run's artists already in the database: skipped. */
  existing: Set<string>;
  toAdd: number;
}

async function planVolume(sql: Sql, settings: Required<VolumeSettings>): Promise<Volume> {
  const window = makeWindow(settings.endDay, settings.days);
  const plans = planArtists({ seed: settings.seed, artists: settings.artists, window });
  const existing = new Set<string>();
  for (let at = 0; at < plans.length; at += 10_000) {
    const ids = plans.slice(at, at + 10_000).map((a) => a.id);
    for (const r of await sql<{ id: string }[]>`select id::text from public.artists where id = any(${ids}::uuid[])`)
      existing.add(r.id);
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
    seed: v.settings.seed,
    artists: v.settings.artists,
    days: v.settings.days,
    startDate: v.window.dates[0]!,
    endDate: v.window.dates[v.window.days - 1]!,
    artistsAdded: 0,
    artistsSkipped: v.existing.size,
    rows: null,
    totalRows: 0,
    expectedMetricRows: v.toAdd * v.settings.days * 5,
    durationMs: 0,
    rowsPerSecond: 0,
    metricRowsPerSecond: 0,
    ...extra,
  };
}

/** Writes the generated artists with COPY, in one transaction, with progress. */
async function generate(
  sql: Sql,
  v: Volume,
  auth: { supabase: boolean; gotrueColumns: string[] },
  hooks: SeedHooks,
): Promise<ScaleOutcome> {
  const { seed: seedValue, artists, days } = v.settings;
  const [hash] = await sql<{ h: string }[]>`select extensions.crypt(${DEV_PASSWORD}, extensions.gen_salt('bf')) as h`;
  const task = hooks.task ?? ((_title, fn) => fn({ update: () => {} }));
  let written: ScaleWriteResult;
  try {
    written = await task(
      `Generating ${v.toAdd.toLocaleString('en-US')} artists × ${days} days (seed ${seedValue})`,
      (progress) =>
        sql.begin((tx) =>
          writeScale(
            tx,
            { seed: seedValue, artists, window: v.window },
            {
              existing: v.existing,
              passwordHash: hash!.h,
              extraAuthColumns: auth.gotrueColumns,
              supabase: auth.supabase,
              onProgress: (p) => progress.update(progressLine(p)),
              progressEveryMs: hooks.progressEveryMs ?? 5_000,
            },
          ),
        ),
    );
  } catch (error) {
    throw asSeedError(
      error,
      'Writing generated data failed',
      'No generated data was written (one transaction). Run with --debug for the details.',
    );
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
async function confirmVolume(sql: Sql, hooks: SeedHooks, fixtureIds: string[], v: Volume): Promise<void> {
  const [row] = await sql<
    { n: number }[]
  >`select count(*)::int as n from public.artists where not (id = any(${fixtureIds}::uuid[]))`;
  const others = row?.n ?? 0;
  if (others === 0 || !hooks.confirmVolume) return;
  await hooks.confirmVolume(
    `The database already has ${others.toLocaleString('en-US')} artist(s); add ${v.toAdd.toLocaleString('en-US')} generated artists with ${v.settings.days} days of metrics?`,
  );
}

function asSeedError(error: unknown, what: string, hint: string): unknown {
  if (error instanceof DreamdbError || !isPgError(error)) return error;
  // Not translatePgError: its message ends in a period, and a missing object here is a conflict
  // with the fixture, not an unmigrated database.
  return new DreamdbError(`${what}: ${error.message}${error.code ? ` (${error.code})` : ''}`, {
    details: pgErrorDetails(error),
    hint,
    cause: error,
  });
}
