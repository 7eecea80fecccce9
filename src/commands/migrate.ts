/** `dreamdb migrate`: bring the target to the current schema, each file exactly once. */
import { Option, type Command } from 'commander';
import { durationFlag, wholeNumberFlag } from '../ui/flags.js';
import { action, collectList, deprecatedOption, EXIT_CODES, TARGET_HELP } from './action.js';

interface MigrateFlags {
  dryRun?: boolean;
  to?: string;
  includeAll?: boolean;
  includeSeed?: boolean;
  waitTimeout?: number;
  /** Deprecated spelling of --wait-timeout. */
  lockTimeout?: number;
  allow?: string[];
  trace?: boolean;
  traceRows?: number;
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      'apply pending migrations, each exactly once (installs the Supabase-compatible base on plain Postgres)',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--to <version>', 'stop after this version')
    .option(
      '--include-all',
      'also apply pending files older than the newest applied version (as supabase db push --include-all)',
    )
    .option(
      '--include-seed',
      'then run the seed files of supabase/config.toml ([db.seed] sql_paths), hash-tracked as the Supabase CLI does',
    )
    .addOption(
      new Option(
        '--wait-timeout <duration>',
        'how long to wait for another migrate on the same database, e.g. 30s (default: migrations.waitTimeout, 60s)',
      ).argParser(durationFlag('--wait-timeout')),
    )
    .addOption(
      deprecatedOption(
        '--lock-timeout <duration>',
        'of migrate is the wait for another migrate: use --wait-timeout (the DDL lock_timeout is migrations.lockTimeout).',
        durationFlag('--lock-timeout'),
      ),
    )
    .option(
      '--allow <rule>',
      "accept a lint rule's error-level findings for this run (repeatable, or comma-separated)",
      collectList,
    )
    .option(
      '--trace',
      'with --dry-run: apply the pending files to a scratch copy and report the locks each statement holds, for how long, rewrites and scans',
    )
    .option(
      '--trace-rows <n>',
      'rows per table sampled into a rebuilt scratch copy (default 100000)',
      wholeNumberFlag('--trace-rows', { min: 0 }),
    )
    .addHelpText(
      'after',
      `${TARGET_HELP}
Each file runs in one transaction with its ledger rows; a first line "-- dreamdb:no-transaction"
runs it statement by statement and resumes where it stopped. DDL runs under a short lock_timeout
(migrations.lockTimeout, default 2s) and is retried. Production targets (db.label "production")
ask for typed confirmation or need --yes. Pending files are linted first (dreamdb migration
lint): error-level findings refuse the run (exit 3) unless --allow <rule>.
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, flags: MigrateFlags) => {
        // The migrate engine (driver, linter, parser) loads when migrate runs, not for --help.
        const { migrate } = await import('../migrate/migrate.js');
        const { migrateJson, renderMigrate } = await import('../migrate/render.js');
        const result = await migrate(ctx, {
          dryRun: flags.dryRun,
          to: flags.to,
          includeAll: flags.includeAll,
          includeSeed: flags.includeSeed,
          waitMs: flags.waitTimeout ?? flags.lockTimeout,
          allow: flags.allow,
          trace: flags.trace,
          traceRows: flags.traceRows,
        });
        ctx.out.result(migrateJson(result), () => renderMigrate(result));
      }),
    );
}
