/** How a command module plugs into the program: `program.command(...).action(action(handler))`, and the flag parsers they share. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { createContext, type Context, type GlobalFlags } from '../context.js';
import { UsageError } from '../errors.js';
import { style } from '../ui/output.js';

/** A handler gets the context and the command's arguments and options; a number is the exit code. */
export type Handler = (ctx: Context, ...args: any[]) => Promise<number | void>;

export function action(handler: Handler) {
  return async function (this: Command, ...args: unknown[]): Promise<void> {
    const flags = this.optsWithGlobals() as GlobalFlags & Record<string, unknown>;
    const ctx = await createContext(flags);
    const code = await handler(ctx, ...args.slice(0, -1));
    if (typeof code === 'number') process.exitCode = code;
  };
}

export const EXIT_CODES = `
Exit codes:
  0    ok
  1    failed
  2    usage, config or connection problem
  3    a check found problems
  130  cancelled at a prompt`;

export const TARGET_HELP = `
Target database, first found wins: --db, DATABASE_URL, SUPABASE_DB_URL, the config file
(db.url or db.urlEnv), else the embedded PostgreSQL 17 in .dreamdb/ (started on demand).`;

/** `30s`, `500ms`, `2m` (a bare number is `unit`) as milliseconds; commander's one line and exit 2 otherwise. */
export function durationFlag(name: string, unit: 'ms' | 's' = 's') {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
    if (!match) throw new InvalidArgumentError(`${name} must be a duration like 30s, 500ms or 2m.`);
    const factor = { ms: 1, s: 1_000, m: 60_000 }[(match[2] ?? unit) as 'ms' | 's' | 'm'];
    return Math.round(Number(match[1]) * factor);
  };
}

/**
 * An old spelling kept working but hidden from --help: using it prints one line on stderr naming
 * the flag to use instead.
 */
export function deprecatedOption(flags: string, note: string, parse: (value: string) => unknown): Option {
  const option = new Option(flags).hideHelp();
  return option.argParser((value: string) => {
    process.stderr.write(`${style.yellow('deprecated:')} ${option.long} ${note}\n`);
    return parse(value);
  });
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`"${value}" is not a row count (a whole number, 0 or more).`);
  return n;
}

/** Commander's repeatable option: `--allow a --allow b` or `--allow a,b`. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}
