/** `dreamdb db diff`: the schema difference as SQL, or a new migration with -f. */
import type { Command } from 'commander';
import type { DiffRunResult } from '../diff/run.js';
import { lintJson, renderLint } from '../lint/report.js';
import { style } from '../ui/output.js';
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
        const result = await runDiff(ctx, { from: opts.from, to: opts.to, file: opts.file, schemas });
        ctx.out.result(diffJson(result), () => renderDiff(result));
      }),
    );
}

export function diffJson(r: DiffRunResult) {
  return {
    from: r.from,
    to: r.to,
    changes: r.diff.statements.length,
    sql: r.diff.sql,
    statements: r.diff.statements,
    transactional: r.diff.transactional,
    unmodeled: r.diff.unmodeled,
    written: r.written,
    lint: r.lint ? lintJson(r.lint) : null,
  };
}

export function renderDiff(r: DiffRunResult): string[] {
  const lines: string[] = [];
  const drops = r.diff.statements.filter((s) => s.destructive).length;
  if (!r.diff.sql) lines.push(`No schema changes: ${r.to} matches ${r.from}.`);
  else if (r.written)
    lines.push(
      `Wrote ${r.written.path} (${r.diff.statements.length} statements). Review it, then \`dreamdb migrate\`.`,
    );
  else lines.push(r.diff.sql.trimEnd());
  if (drops)
    lines.push(style.yellow(`-- warning: ${drops} statement(s) drop objects or data; review before applying.`));
  for (const u of r.diff.unmodeled) lines.push(style.yellow(`-- not diffed: ${u}`));
  if (r.lint) lines.push('', 'Migration lint of the new file:', ...renderLint(r.lint));
  const refused = [...new Set(r.lint?.findings.filter((f) => f.level === 'error').map((f) => f.rule) ?? [])];
  if (refused.length)
    lines.push(
      style.yellow(
        `\`dreamdb migrate\` refuses error-level findings: edit the file, or accept them with ${refused.map((id) => `--allow ${id}`).join(' ')}.`,
      ),
    );
  return lines;
}
