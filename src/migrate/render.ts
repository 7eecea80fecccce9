/** Human output (and --json shapes) of migrate, status, migration list and migration repair. */
import { lintJson, renderLint } from '../lint/report.js';
import { describeScratch, renderTrace } from '../lint/trace/index.js';
import { style } from '../ui/output.js';
import type { RepairResult } from './ledgers.js';
import { describePlan, type MigrateResult } from './migrate.js';
import type { StatusEntry, StatusResult } from './status.js';

export function renderMigrate(result: MigrateResult): string[] {
  const lines: string[] = [];
  if (result.dryRun) {
    lines.push(
      `Plan for ${result.target}${result.base === 'would-install' ? ' (the Supabase-compatible base would be installed first)' : ''}:`,
    );
    lines.push(...describePlan(result.plan));
    if (result.lint) lines.push('', ...renderLint(result.lint, { explain: false }));
    if (result.lint?.counts.error)
      lines.push(
        `A real run would refuse (exit 3): fix the files, suppress with a reason, or accept with ${[...new Set(result.lint.findings.filter((f) => f.level === 'error').map((f) => `--allow ${f.rule}`))].join(' ')}.`,
      );
    if (result.trace)
      lines.push(
        '',
        `Measured on a scratch copy (${describeScratch(result.trace)}):`,
        ...renderTrace(result.trace).map((l) => `  ${l}`),
      );
    return lines;
  }
  for (const a of result.applied)
    lines.push(`${style.green('applied')}  ${a.version}_${a.name}  ${style.dim(`${a.durationMs} ms`)}`);
  const total = result.plan.applied.length + result.applied.length;
  lines.push(
    result.applied.length
      ? `${result.applied.length} migration(s) applied; ${total} in all.`
      : `Already up to date (${total} migration(s) applied).`,
  );
  if (result.plan.deferred.length) lines.push(`${result.plan.deferred.length} migration(s) left for later (--to).`);
  for (const seed of result.seeds)
    lines.push(
      `${seed.action === 'seeded' ? style.green('seeded') : style.dim(seed.action)}  ${seed.path}${seed.action === 'hash-updated' ? style.dim('  (changed since it was seeded; not run again, as the Supabase CLI)') : ''}`,
    );
  return lines;
}

export function migrateJson(result: MigrateResult) {
  return {
    target: result.target,
    dryRun: result.dryRun,
    base: result.base,
    applied: result.applied,
    pending: result.dryRun ? result.plan.pending.map((f) => ({ version: f.version, name: f.name, path: f.path })) : [],
    deferred: result.plan.deferred.map((f) => ({ version: f.version, name: f.name })),
    seeds: result.seeds,
    adopted: result.plan.adopted.map((f) => ({ version: f.version, name: f.name })),
    outOfOrder: result.plan.outOfOrder.map((f) => ({ version: f.version, name: f.name })),
    unknown: result.plan.unknown.map((r) => ({ version: r.version, name: r.name })),
    lint: result.lint ? lintJson(result.lint) : null,
    trace: result.trace ?? null,
  };
}

const NOTE: Record<NonNullable<StatusEntry['note']>, string> = {
  'supabase-ledger-only': '  (Supabase CLI ledger only)',
  'dreamdb-ledger-only': '  (missing from the Supabase CLI ledger)',
  'out-of-order': '  (out of order: migrate --include-all)',
};

const COLOR: Record<StatusEntry['state'], (s: string) => string> = {
  applied: style.green,
  pending: style.cyan,
  partial: style.yellow,
  changed: style.red,
  unknown: style.yellow,
};

export function renderStatus(result: StatusResult): string[] {
  const lines = [`Migrations on ${result.target}:`];
  for (const e of result.entries) {
    lines.push(
      `  ${COLOR[e.state](e.state.padEnd(8))} ${e.version}_${e.name}${e.appliedAt ? style.dim(`  ${e.appliedAt}`) : ''}${e.state === 'unknown' ? style.dim('  (no file)') : ''}${e.note ? style.dim(NOTE[e.note]) : ''}`,
    );
  }
  if (!result.entries.length) lines.push('  no migrations');
  const c = result.counts;
  lines.push(
    `${c.applied} applied, ${c.pending} pending, ${c.partial} partial, ${c.changed} changed, ${c.unknown} unknown.`,
  );
  if (result.lint) lines.push(...renderLint(result.lint, { explain: false }));
  if (c.changed)
    lines.push(style.red('Applied files were edited: restore them and put the change in a new migration.'));
  else if (c.pending || c.partial)
    lines.push(
      result.entries.some((e) => e.note === 'out-of-order')
        ? 'Run `dreamdb migrate` to apply what is pending (`--include-all` for the files marked out of order).'
        : 'Run `dreamdb migrate` to apply what is pending.',
    );
  for (const w of result.warnings) lines.push(style.yellow(`warning: ${w}`));
  return lines;
}

export function renderRepair(result: RepairResult & { target: string }): string[] {
  const lines = result.versions.map((v) => `  ${v.action.padEnd(8)} ${v.version}${v.name ? `_${v.name}` : ''}`);
  lines.push(
    `Repaired migration history on ${result.target}: ${result.versions.map((v) => v.version).join(', ')} => ${result.status}. Run \`dreamdb status\` to see it.`,
  );
  return lines;
}
