/**
 * `dreamdb seed`: the hand-written fixtures and, with --scale / --artists / --days, generated
 * volume (src/seed/run.ts). Never on a target labelled production.
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { wholeNumberFlag } from '../ui/flags.js';
import { parseDate } from '../seed/dates.js';
import type { SeedResult, VolumeSettings } from '../seed/run.js';
import { SCALES, type ScaleName } from '../seed/scales.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export type { FixtureOutcome, ScaleOutcome, SeedResult } from '../seed/run.js';

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

/** Flags → what to generate; undefined when no volume was asked for. */
export function volumeFromFlags(ctx: Context, options: SeedOptions): VolumeSettings | undefined {
  if (!options.scale && options.artists === undefined && options.days === undefined) {
    if (options.seed !== undefined || options.endDate !== undefined) {
      throw new UsageError('--seed and --end-date apply to generated data.', {
        hint: 'Add --scale small|medium|large, or --artists N --days D.',
      });
    }
    return undefined;
  }
  const preset = SCALES[options.scale ?? 'small'];
  let endDay: number | undefined;
  if (options.endDate !== undefined) {
    endDay = parseDate(options.endDate);
    if (endDay === undefined)
      throw new UsageError(`--end-date must be a date like 2026-11-30 (got "${options.endDate}").`);
  }
  return {
    artists: options.artists ?? preset.artists,
    days: options.days ?? preset.days,
    seed: options.seed ?? ctx.config.seed?.seed ?? 1,
    endDay,
  };
}

/** `dreamdb seed` as a call: validates every flag and fixture before touching the target. */
export async function seed(ctx: Context, options: SeedOptions = {}): Promise<SeedResult> {
  // The seed engine (generator, word lists, the driver) loads when seeding, not for --help.
  const { applySeed, fixturesLocation, prepareSeed, seedHooks } = await import('../seed/run.js');
  const { withTarget } = await import('../context.js');
  const prepared = await prepareSeed({
    volume: volumeFromFlags(ctx, options),
    fixtures: options.fixtures === false ? undefined : fixturesLocation(ctx.cwd, ctx.config.seed?.fixturesDir),
    reapply: options.reapply,
    dryRun: options.dryRun,
    today: options.today,
  });
  return withTarget(ctx, (target) => applySeed(target, prepared, seedHooks(ctx.out, { yes: ctx.flags.yes })));
}

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('load the fixtures (idempotent, hash-tracked) and, with --scale or --artists/--days, generated volume')
    .addOption(
      new Option(
        '--scale <size>',
        'generate volume: small (100 artists × 90 days), medium (1,000 × 365), large (10,000 × 730)',
      ).choices(Object.keys(SCALES)),
    )
    .option('--artists <n>', "generated artists (overrides the scale's)", wholeNumberFlag('--artists'))
    .option(
      '--days <n>',
      "days of daily metrics per artist and platform (overrides the scale's)",
      wholeNumberFlag('--days'),
    )
    .option(
      '--seed <n>',
      'seed of the generator: the same seed gives the same data (default: config seed.seed, else 1)',
      wholeNumberFlag('--seed'),
    )
    .option('--end-date <yyyy-mm-dd>', 'last day of generated metrics (default: today, UTC)')
    .option('--no-fixtures', 'skip the fixture files')
    .option('--reapply', 're-apply every fixture file, even unchanged ones (after rows were deleted, say)')
    .option('--dry-run', 'show what would be applied and generated; change nothing')
    .addHelpText(
      'after',
      `${TARGET_HELP}
Fixtures: every *.json in fixtures/seed (or seed.fixturesDir), validated before anything is
written; each file is applied in one transaction and recorded with its sha256 in
supabase_migrations.seed_files, so unchanged files are skipped and changed ones re-applied
(rows are upserted by stable ids). Generated volume is written with COPY in one transaction;
artists already present are skipped, so a rerun adds only what is missing. Every seeded artist
has an auth.users row with the development password dreamsuite-dev (docs/seed.md).
Refuses a target labelled production. Adding volume to a database that already has other
artists asks first (or needs --yes; without a terminal it exits 2).
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, opts: SeedOptions) => {
        const result = await seed(ctx, opts);
        const { renderSeed } = await import('../seed/report.js');
        ctx.out.result(result, () => renderSeed(result));
      }),
    );
}
