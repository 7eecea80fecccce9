/** Human output (and the --json shape) of `status --drift` and `db diff`. */
import type { DriftResult } from './drift.js';
import type { DiffRunResult } from './run.js';
import { lintJson, renderLint } from '../lint/report.js';
import { style } from '../ui/output.js';

export function driftJson(r: DriftResult) {
  return {
    target: r.target,
    drifted: r.drifted,
    replayed: r.replayed,
    missingFiles: r.missingFiles,
    changes: r.diff.statements,
    sql: r.diff.sql,
    ignoredPartitions: r.diff.ignoredPartitions,
  };
}

export function renderDrift(r: DriftResult): string[] {
  const lines = [
    style.red(
      `Drift: ${r.target} differs from its ${r.replayed.length} applied migration(s) in ${r.diff.statements.length} place(s):`,
    ),
  ];
  for (const s of r.diff.statements)
    lines.push(`  ${s.verb.padEnd(6)} ${s.objects.join(', ') || s.sql.split('\n')[0]}`);
  if (r.missingFiles.length)
    lines.push(
      style.yellow(`Applied versions with no file (their changes count as drift): ${r.missingFiles.join(', ')}`),
    );
  lines.push('', '-- What was changed by hand, as SQL (put it in a migration, or undo it):', r.diff.sql.trimEnd());
  lines.push('', 'To keep the change: `dreamdb db diff --from migrations --to <this database> -f <name>`.');
  return lines;
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
