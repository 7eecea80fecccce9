/** `dreamdb db diff`: the schema difference as SQL, or a new migration with -f. */
import type { Command } from 'commander';
import { action, EXIT_CODES } from './action.js';

const DIFF_HELP = `
Endpoints:
  migrations   the migration files applied to a fresh scratch database on the embedded server
               (the shadow; always dropped afterwards)
  local        the embedded development database (.dreamdb/)
  <url>        any PostgreSQL 15+ database or Supabase project

Covers tables, columns, constraints, indexes, RLS, policies (storage.objects included), grants
down to columns, functions, triggers, views, publication membership and storage bucket rows.
Supabase's own schemas and roles are left out. The diff engine is pg-delta, as in supabase db diff.
With -f the new file is linted as \`dreamdb migration lint <file>\` would (findings are shown;
the exit code stays 0). Exit 0 whether or not there is a difference; status --drift is the
check (exit 3).`;

export function registerDbDiff(db: Command): void {
  db.command('diff')
    .description('the schema difference between two databases as SQL; -f writes it as the next migration')
    .option('--from <url|migrations>', 'the starting point (default: migrations)')
    .option('--to <url|local>', 'the state to reach (default: local)')
    .option('-f, --file <name>', 'write the difference to a new migration sql/migrations/<version>_<name>.sql')
    .option('--schema <names...>', "only these schemas (default: all the app's)")
    .addHelpText('after', `${DIFF_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, opts: { from?: string; to?: string; file?: string; schema?: string[] }) => {
        const schemas = opts.schema
          ?.flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter(Boolean);
        // Loaded on use: the diff engine takes half a second to import, which no other command should pay.
        const { runDiff } = await import('../diff/run.js');
        const { diffJson, renderDiff } = await import('../diff/render.js');
        const result = await runDiff(ctx, { from: opts.from, to: opts.to, file: opts.file, schemas });
        ctx.out.result(diffJson(result), () => renderDiff(result));
      }),
    );
}
