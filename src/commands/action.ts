/** How a command module plugs into the program: `program.command(...).action(action(handler))`. */
import type { Command } from 'commander';
import { createContext, type Context, type GlobalFlags } from '../context.js';

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
