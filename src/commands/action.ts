/** How a command module plugs into the program: `program.command(...).action(action(handler))`, and the flag parsers they share. */
import { Option, type Command } from 'commander';
import type { Context, GlobalFlags } from '../context.js';
import { style } from '../ui/output.js';

/** A handler gets the context and the command's arguments and options; a number is the exit code. */
export type Handler = (ctx: Context, ...args: any[]) => Promise<number | void>;

export function action(handler: Handler) {
  return async function (this: Command, ...args: unknown[]): Promise<void> {
    const flags = this.optsWithGlobals() as GlobalFlags & Record<string, unknown>;
    // The context (config schemas in zod, the embedded server, the driver) loads once a command
    // runs: --help and --version never need it.
    const { createContext } = await import('../context.js');
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

/** Commander's repeatable option: `--allow a --allow b` or `--allow a,b`. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}
