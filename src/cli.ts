/** The commander program: global flags, one line per command, and the one top-level catch. */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { action, EXIT_CODES, TARGET_HELP } from './commands/action.js';
import { DreamdbError, ExitCode } from './errors.js';
import { redactText } from './db/redact.js';
import { lostConnectionCrash } from './db/connect.js';
import { packageRoot } from './paths.js';
import { style } from './ui/output.js';
import { migrate, migrateJson, renderMigrate } from './commands/migrate.js';
import { renderStatus, status } from './commands/status.js';
import { collectList, newMigration, parseCount, registerMigrationLint, renderRepair, repairMigrations } from './commands/migration.js';
import { registerPartitions } from './commands/partitions.js';
import { registerAuditRls } from './commands/audit-rls.js';
import { registerSeed } from './commands/seed.js';
import { registerStorage } from './commands/storage.js';
import { registerBench } from './commands/bench.js';
import { registerBackup } from './commands/backup.js';
import { registerDoctor } from './commands/doctor.js';
import { registerGenTypes } from './commands/gen-types.js';
import { dbStart, dbStatus, dbStop, dbUrl, renderDbStatus } from './commands/db.js';
import { registerDbDiff } from './commands/diff.js';
import { statusDrift } from './commands/drift.js';
import { registerDbReset } from './commands/reset.js';

export function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const program = new Command('dreamdb')
    .description('Provision, migrate and audit the Dream Suite PostgreSQL / Supabase database.')
    .version(version, '-V, --version', 'print the version')
    .option('--db <url>', 'target database connection string (overrides DATABASE_URL and config)')
    .option('--config <file>', 'config file (default: dreamdb.config.json or dreamdb.config.ts)')
    .option('--json', 'machine-readable output on stdout')
    .option('-y, --yes', 'answer yes to confirmations (required for production targets without a TTY)')
    .option('--debug', 'show stacks and SQL details on errors')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .exitOverride();

  program
    .command('migrate')
    .description('apply pending migrations, each exactly once (installs the Supabase-compatible base on plain Postgres)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--to <version>', 'stop after this version')
    .option('--include-all', 'also apply pending files older than the newest applied version (as supabase db push --include-all)')
    .option('--include-seed', 'then run the seed files of supabase/config.toml ([db.seed] sql_paths), hash-tracked as the Supabase CLI does')
    .addOption(new Option('--lock-timeout <duration>', 'how long to wait for another migrate on the same database, e.g. 30s (default: 60s)').argParser(parseDuration))
    .option('--allow <rule>', 'accept a lint rule\'s error-level findings for this run (repeatable, or comma-separated)', collectList)
    .option('--trace', 'with --dry-run: apply the pending files to a scratch copy and report the locks each statement holds, for how long, rewrites and scans')
    .option('--trace-rows <n>', 'rows per table sampled into a rebuilt scratch copy (default 100000)', parseCount)
    .addHelpText('after', `${TARGET_HELP}\nEach file runs in one transaction with its ledger rows; a first line "-- dreamdb:no-transaction"\nruns it statement by statement and resumes where it stopped. Production targets (db.label\n"production") ask for typed confirmation or need --yes. Pending files are linted first\n(dreamdb migration lint): error-level findings refuse the run (exit 3) unless --allow <rule>.\n${EXIT_CODES}`)
    .action(
      action(async (ctx, opts: { dryRun?: boolean; to?: string; includeAll?: boolean; includeSeed?: boolean; lockTimeout?: number; allow?: string[]; trace?: boolean; traceRows?: number }) => {
        const result = await migrate(ctx, { dryRun: opts.dryRun, to: opts.to, includeAll: opts.includeAll, includeSeed: opts.includeSeed, waitMs: opts.lockTimeout, allow: opts.allow, trace: opts.trace, traceRows: opts.traceRows });
        ctx.out.result(migrateJson(result), () => renderMigrate(result));
      }),
    );

  program
    .command('status')
    .description('list applied, pending, changed and unknown migrations; exit 3 when any is pending or changed')
    .option('--drift', 'compare the live schema with its applied migrations replayed in a shadow; exit 3 when changed by hand')
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, opts: { drift?: boolean }) => {
        if (opts.drift) return statusDrift(ctx);
        const result = await status(ctx);
        ctx.out.result(result, () => renderStatus(result));
        return result.needsAttention ? ExitCode.checkFailed : ExitCode.ok;
      }),
    );

  const migration = program.command('migration').description('create and list migration files');
  migration
    .command('new <name>')
    .description('create the next migration file with a UTC timestamp version')
    .option('--no-transaction', 'mark it "-- dreamdb:no-transaction" (for CREATE INDEX CONCURRENTLY and friends)')
    .action(
      action(async (ctx, name: string, opts: { transaction: boolean }) => {
        const result = await newMigration(ctx, name, { noTransaction: opts.transaction === false });
        ctx.out.result(result, () => `Created ${result.path}`);
      }),
    );
  migration
    .command('list')
    .description('show migration files beside what the target has applied')
    .action(
      action(async (ctx) => {
        const result = await status(ctx);
        ctx.out.result(result, () => renderStatus(result));
      }),
    );
  registerMigrationLint(migration);

  migration
    .command('repair <version...>')
    .description('mark versions applied or reverted in both ledgers (dreamdb\'s and the Supabase CLI\'s), as `supabase migration repair`; runs no SQL of the files')
    .requiredOption('--status <status>', 'applied (the file must exist; its checksum is recorded) or reverted (the rows are deleted)')
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, versions: string[], opts: { status: string }) => {
        const result = await repairMigrations(ctx, versions, opts.status);
        ctx.out.result(result, () => renderRepair(result));
      }),
    );

  const db = program.command('db').description('manage the embedded PostgreSQL server in .dreamdb/');
  db.command('start')
    .description('start the embedded server and keep it running after the command')
    .action(action(async (ctx) => { const s = await dbStart(ctx); ctx.out.result(s, () => renderDbStatus(s)); }));
  db.command('stop')
    .description('stop the embedded server')
    .action(action(async (ctx) => { const s = await dbStop(ctx); ctx.out.result(s, () => renderDbStatus(s)); }));
  db.command('status')
    .description('show whether the embedded server is running, and where')
    .action(action(async (ctx) => { const s = await dbStatus(ctx); ctx.out.result(s, () => renderDbStatus(s)); }));
  db.command('url')
    .description('print the embedded server\'s connection string (for psql or an app) while it runs')
    .action(action(async (ctx) => { const url = await dbUrl(ctx); ctx.out.result({ url }, () => url); }));
  registerDbDiff(db);
  registerDbReset(db);

  registerSeed(program);
  registerStorage(program);
  registerAuditRls(program);
  registerPartitions(program);
  registerGenTypes(program);
  registerBench(program);
  registerBackup(program);
  registerDoctor(program);

  return program;
}

function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new CommanderError(ExitCode.usage, 'dreamdb.invalidDuration', `error: "${value}" is not a duration (try 30s, 500ms or 2m)`);
  const factor = { ms: 1, s: 1_000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
  return Math.round(Number(match[1]) * factor);
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  const secrets = [argv[argv.indexOf('--db') + 1] ?? '', process.env.DATABASE_URL ?? '', process.env.SUPABASE_DB_URL ?? ''].filter(Boolean);
  const say = (text: string) => process.stderr.write(`${redactText(text, secrets)}\n`);
  const onSigint = () => {
    say('Interrupted.');
    process.exit(ExitCode.cancelled);
  };
  process.once('SIGINT', onSigint);
  const sayError = (error: DreamdbError) => {
    say(`${style.red('error:')} ${error.message}`);
    for (const line of error.details) say(`  ${line}`);
    if (error.hint) say(`${style.dim('hint:')} ${error.hint}`);
    if (debug) say(stackOf(error));
    if (json) process.stdout.write(`${redactText(JSON.stringify({ ok: false, error: { message: error.message, hint: error.hint ?? null, exitCode: error.exitCode } }), secrets)}\n`);
  };
  // A crash inside the driver after a lost connection is that lost connection, in one line.
  const onCrash = (error: unknown) => {
    const lost = lostConnectionCrash(error);
    if (!lost) {
      say(`${style.red('internal error:')} ${stackOf(error)}`);
      process.exit(ExitCode.failed);
    }
    sayError(lost);
    process.exit(lost.exitCode);
  };
  process.on('uncaughtException', onCrash);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      if (error.code === 'dreamdb.invalidDuration') say(error.message);
      return ExitCode.usage;
    }
    if (error instanceof DreamdbError) {
      sayError(error);
      return error.exitCode;
    }
    // Not something a user can fix: a bug. Show everything.
    say(`${style.red('internal error:')} ${stackOf(error)}`);
    return ExitCode.failed;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('uncaughtException', onCrash);
  }
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}
