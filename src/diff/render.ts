/** Human output (and the --json shape) of `status --drift`. */
import type { DriftResult } from './drift.js';
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
