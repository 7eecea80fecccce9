/** The commander program: global flags, one line per command, and the one top-level catch. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT_CODES, TARGET_HELP } from './commands/action.js';
import { DreamdbError, errorEnvelope, ExitCode } from './errors.js';
import { redactText } from './db/redact.js';
import { lostConnectionCrash, lostConnectionError } from './db/lost.js';
import { packageRoot } from './paths.js';
import { style } from './ui/output.js';
import { registerMigrate } from './commands/migrate.js';
import { registerStatus } from './commands/status.js';
import { registerMigration } from './commands/migration.js';
import { registerDb } from './commands/db.js';
import { registerPartitions } from './commands/partitions.js';
import { registerAuditRls } from './commands/audit-rls.js';
import { registerSeed } from './commands/seed.js';
import { registerStorage } from './commands/storage.js';
import { registerBench } from './commands/bench.js';
import { registerBackup } from './commands/backup.js';
import { registerDoctor } from './commands/doctor.js';
import { registerGenTypes } from './commands/gen-types.js';
import { registerDbDiff } from './commands/diff.js';
import { registerDbReset } from './commands/reset.js';

export function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
  const program = new Program('dreamdb')
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

  registerMigrate(program);
  registerStatus(program);
  registerMigration(program);
  const db = registerDb(program);
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

/**
 * commander suggests a command within three edits; a newcomer's near misses are often further:
 * a prefix (`audit` for audit-rls), a subcommand typed at the top (`diff` for db diff), a flag
 * typed as a command (`drift` for status --drift).
 */
class Program extends Command {
  override createCommand(name?: string): Command {
    return new Program(name);
  }

  unknownCommand(): void {
    const word = this.args[0] ?? '';
    const near = nearMisses(this, word);
    if (near.length) {
      this.error(
        `error: unknown command '${word}'\n(Did you mean ${near.length === 1 ? near[0] : `one of ${near.join(', ')}`}?)`,
        { code: 'commander.unknownCommand' },
      );
    }
    (Command.prototype as unknown as { unknownCommand(this: Command): void }).unknownCommand.call(this);
  }
}

/** What `word` may have meant among cmd's visible commands, beyond commander's own suggestion. */
export function nearMisses(cmd: Command, word: string): string[] {
  const visible = (c: Command) => c.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
  const w = word.toLowerCase();
  if (w.length < 3) return [];
  // `gen-types` for gen types; `audit` for audit-rls; `part` for partitions (when only one starts so).
  const joined = visible(cmd).flatMap((c) =>
    visible(c)
      .filter((s) => w === `${c.name()}-${s.name()}`)
      .map((s) => `${c.name()} ${s.name()}`),
  );
  if (joined.length) return joined;
  const prefixed = visible(cmd).filter((c) => c.name().startsWith(`${w}-`));
  const started = visible(cmd).filter((c) => c.name().startsWith(w));
  if (prefixed.length || started.length === 1) return (prefixed.length ? prefixed : started).map((c) => c.name());
  const nested = visible(cmd).flatMap((c) =>
    visible(c)
      .filter((s) => s.name() === w)
      .map((s) => `${c.name()} ${s.name()}`),
  );
  if (nested.length) return nested;
  return visible(cmd).flatMap((c) => c.options.filter((o) => o.long === `--${w}`).map((o) => `${c.name()} ${o.long}`));
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  const secrets = [
    argv[argv.indexOf('--db') + 1] ?? '',
    process.env.DATABASE_URL ?? '',
    process.env.SUPABASE_DB_URL ?? '',
  ].filter(Boolean);
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
    if (json) process.stdout.write(`${redactText(JSON.stringify(errorEnvelope(error)), secrets)}\n`);
  };
  // A crash inside the driver after a lost connection is that lost connection, in one line.
  const onCrash = (error: unknown) => {
    const lost = lostConnectionCrash(error) ?? lostConnectionError(error);
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
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return ExitCode.usage;
    }
    if (error instanceof DreamdbError) {
      sayError(error);
      return error.exitCode;
    }
    // A pool opened outside withDb lost its connection: still one line, exit 2.
    const lost = lostConnectionError(error);
    if (lost) {
      sayError(lost);
      return lost.exitCode;
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
