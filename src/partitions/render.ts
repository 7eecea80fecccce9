/** Human output of the partitions commands (--json prints the result objects as they are). */
import { describePrivileges, describeStep, type PartitionInfo } from '../plan/partitions.js';
import { style } from '../ui/output.js';
import type { CheckResult } from './check.js';
import type { PartitionList } from './list.js';
import { summarizeRotation, type RotateEvent, type RotateResult } from './rotate.js';
import type { ScheduleResult } from './schedule.js';

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

function protection(p: PartitionInfo): string {
  const issues = [
    !p.rlsEnabled ? 'RLS off' : !p.rlsForced ? 'RLS not forced' : '',
    p.apiPrivileges.length ? `grants ${describePrivileges(p.apiPrivileges)}` : '',
    p.missingIndexes?.length ? `missing: ${p.missingIndexes.join(' ')}` : '',
  ].filter(Boolean);
  return issues.length ? style.red(issues.join('; ')) : style.green('protected');
}

export function renderPartitionList(list: PartitionList): string[] {
  const lines = [`Partitions of ${list.parent} (today ${list.today}):`];
  for (const p of list.partitions) {
    const bounds = p.state === 'default' ? 'DEFAULT' : `[${p.from}, ${p.to})`;
    const state = p.state === 'attached' ? '' : style.yellow(` ${p.state.replace('_', ' ')}`);
    const rows = p.state === 'default' ? `${list.defaultPartition?.rows ?? 0} rows` : `~${p.rowsEstimate ?? '?'} rows`;
    lines.push(
      `  ${p.name.padEnd(24)} ${bounds.padEnd(26)} ${rows.padStart(14)} ${size(p.sizeBytes).padStart(9)}  ${protection(p)}${state}`,
    );
  }
  if (!list.partitions.length) lines.push('  no partitions');
  lines.push(
    list.horizon
      ? `Inserts succeed until ${list.horizon}${list.horizonYears === null ? '' : ` (${list.horizonYears} whole year(s) after this one)`}.`
      : style.red(`No partition covers today: inserts for ${list.today} fail.`),
  );
  for (const g of list.gaps) lines.push(style.yellow(`Gap: [${g.from}, ${g.to})`));
  for (const o of list.overlaps) lines.push(style.red(`Overlap: ${o.tables.join(' and ')} on [${o.from}, ${o.to})`));
  lines.push(
    `Realtime: ${list.realtime.published ? (list.realtime.viaRoot ? 'published through the parent' : style.red('published per partition')) : 'not published'}.`,
  );
  for (const w of list.warnings) lines.push(style.yellow(`warning: ${w}`));
  for (const p of list.problems) lines.push(style.red(`problem: ${p}`));
  return lines;
}

export function renderRotation(result: RotateResult): string[] {
  const lines = result.plan.length
    ? [`Plan for ${result.parent} (today ${result.today}):`, ...result.plan.map((s) => `  ${describeStep(s)}`)]
    : [];
  for (const s of result.applied) {
    const extra = [
      s.movedRows ? `${s.movedRows} rows moved from the default partition` : '',
      s.rows !== undefined ? `${s.rows} rows, ${size(s.bytes ?? 0)}` : '',
      s.retries ? `${s.retries} lock retries` : '',
    ].filter(Boolean);
    lines.push(
      `  ${style.green('✔')} ${s.action} ${s.table} ${style.dim(`${s.ms} ms${extra.length ? `, ${extra.join(', ')}` : ''}`)}`,
    );
  }
  lines.push(summarizeRotation(result));
  return lines;
}

export function renderCheck(result: CheckResult): string[] {
  return [result.ok ? result.reason : style.red(result.reason)];
}

export function renderSchedule(result: ScheduleResult): string[] {
  const lines = result.job
    ? [`Installed pg_cron job ${result.job.name} (${result.job.id}): '${result.job.schedule}' ${result.job.command}`]
    : [];
  lines.push(...result.notes);
  if (!result.job || result.notes.some((n) => n.startsWith('Retention'))) {
    lines.push(
      '',
      'crontab:',
      `  ${result.crontab}`,
      '',
      'CI schedule:',
      ...result.ci.split('\n').map((l) => `  ${l}`),
    );
  }
  if (!result.job)
    lines.push('', 'Where pg_cron runs in this database, the in-database job instead:', `  ${result.pgCronSql}`);
  return lines;
}

/** A rotation's progress, one line per event (stderr). */
export function describeRotateEvent(event: RotateEvent): string {
  switch (event.type) {
    case 'lock-wait':
      return `waiting for another rotation${event.holderPid ? ` (backend pid ${event.holderPid})` : ''}`;
    case 'plan':
      return event.steps.length ? `${event.steps.length} step(s) to do` : 'nothing to do';
    case 'start':
      return describeStep(event.step);
    case 'retry':
      return `${event.step.table}: ${event.reason}; retry ${event.attempt} in ${event.waitMs} ms`;
    case 'done':
      return `done: ${describeStep(event.step)} (${event.step.ms} ms)`;
    case 'analyze':
      return `analyze ${event.parent}`;
  }
}
