/**
 * Pure parts of `dreamdb partitions`: option checks, the controllable clock, turning the
 * database's plan (dreamdb.metrics_partition_plan, shared with the pg_cron job) into the CLI's
 * steps, and reading a partition list (horizon, gaps, overlaps, problems). No I/O.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';
import { wholeNumberProblem } from '../config/values.js';

export const PARTITION_DEFAULTS = {
  parent: 'public.metrics',
  ahead: 2,
  /** check alerts one year before rotation's target is at risk, not the moment a year turns. */
  checkAhead: 1,
  lockTimeoutMs: 200,
  maxAttempts: 12,
  lockWaitMs: 30_000,
  cron: '17 3 * * *',
  jobName: 'dreamdb-partitions',
} as const;

export type PartitionState = 'attached' | 'detach_pending' | 'default' | 'standalone';

/** One row of dreamdb.metrics_partitions(): a partition, or a table named like one. */
export interface PartitionInfo {
  schema: string;
  name: string;
  state: PartitionState;
  /** The calendar year it covers, when it covers exactly one. */
  year: number | null;
  /** Bounds as YYYY-MM-DD, '-infinity' or 'infinity'; null for the default partition. */
  from: string | null;
  to: string | null;
  rlsEnabled: boolean;
  rlsForced: boolean;
  /** `role:PRIVILEGE` held by PUBLIC, anon, authenticated or service_role. */
  apiPrivileges: string[];
  /** Indexes of the parent with no attached counterpart here (null for standalone tables). */
  missingIndexes: string[] | null;
  owner: string;
  rowsEstimate: number | null;
  sizeBytes: number;
}

export type DbPlanAction = 'finalize' | 'create' | 'adopt' | 'conflict' | 'detach' | 'retired';

/** One row of dreamdb.metrics_partition_plan(). */
export interface DbPlanRow {
  step: number;
  action: DbPlanAction;
  year: number | null;
  table: string;
  from: string | null;
  to: string | null;
  reason: string;
}

export type RotationAction = 'finalize' | 'create' | 'adopt' | 'detach' | 'archive' | 'drop';

export interface RotationStep {
  action: RotationAction;
  table: string;
  year: number | null;
  from: string | null;
  to: string | null;
  reason: string;
  /** For archive steps: where the rows go. */
  file?: string;
}

// The clock ---------------------------------------------------------------------------------

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `--now` / DREAMDB_NOW value (YYYY-MM-DD or an ISO timestamp) as YYYY-MM-DD in UTC. */
export function parseNow(value: string, source = '--now'): string {
  const trimmed = value.trim();
  const date = ISO_DATE.test(trimmed) ? new Date(`${trimmed}T00:00:00Z`) : new Date(trimmed);
  if (Number.isNaN(date.getTime()) || (ISO_DATE.test(trimmed) && toIsoDate(date) !== trimmed)) {
    throw new UsageError(`${source}: not a date: ${value}`, { hint: 'Use YYYY-MM-DD, e.g. 2027-12-31.' });
  }
  return toIsoDate(date);
}

export function toIsoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The date to plan for: the flag, else DREAMDB_NOW, else undefined (the database's current_date). */
export function resolveNow(flag: string | Date | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag instanceof Date) {
    if (Number.isNaN(flag.getTime())) throw new UsageError('now: invalid date');
    return toIsoDate(flag);
  }
  if (flag !== undefined && flag !== '') return parseNow(flag, '--now');
  const fromEnv = env.DREAMDB_NOW;
  if (fromEnv !== undefined && fromEnv !== '') return parseNow(fromEnv, 'DREAMDB_NOW');
  return undefined;
}

export function yearOf(isoDate: string): number {
  return Number(isoDate.slice(0, 4));
}

// Options -----------------------------------------------------------------------------------

export interface RotateSettings {
  ahead: number;
  retain?: number;
  firstYear?: number;
  archiveDir?: string;
  drop: boolean;
  lockTimeoutMs: number;
  maxAttempts: number;
  lockWaitMs: number;
}

function intProblem(name: string, value: number | undefined, min: number, max: number): string | undefined {
  const problem = value === undefined ? undefined : wholeNumberProblem(value, { min, max });
  return problem && `${name}: ${problem} (got ${value})`;
}

/** Every problem with the options at once, as one UsageError (exit 2). */
export function validateRotateOptions(options: {
  ahead?: number;
  retain?: number;
  firstYear?: number;
  archiveDir?: string;
  drop?: boolean;
  lockTimeoutMs?: number;
  maxAttempts?: number;
  lockWaitMs?: number;
}): RotateSettings {
  const problems = [
    intProblem('--ahead', options.ahead, 0, 100),
    intProblem('--retain', options.retain, 0, 1000),
    intProblem('--first-year', options.firstYear, 1000, 9998),
    intProblem('--lock-timeout', options.lockTimeoutMs, 1, 600_000),
    intProblem('--attempts', options.maxAttempts, 1, 1000),
    intProblem('--wait-timeout', options.lockWaitMs, 0, 86_400_000),
  ].filter((p): p is string => p !== undefined);
  if (options.drop && options.retain === undefined)
    problems.push('--drop: only with --retain (it drops retired partitions)');
  if (options.archiveDir !== undefined && options.retain === undefined)
    problems.push('--archive: only with --retain (it archives retired partitions)');
  if (options.archiveDir === '') problems.push('--archive: needs a directory');
  if (problems.length > 0) {
    throw new UsageError(problems.length === 1 ? problems[0]! : `${problems.length} problems with the options`, {
      details: problems.length === 1 ? [] : problems,
      hint: 'See dreamdb partitions rotate --help.',
    });
  }
  return {
    ahead: options.ahead ?? PARTITION_DEFAULTS.ahead,
    ...(options.retain !== undefined ? { retain: options.retain } : {}),
    ...(options.firstYear !== undefined ? { firstYear: options.firstYear } : {}),
    ...(options.archiveDir !== undefined ? { archiveDir: options.archiveDir } : {}),
    drop: options.drop ?? false,
    lockTimeoutMs: options.lockTimeoutMs ?? PARTITION_DEFAULTS.lockTimeoutMs,
    maxAttempts: options.maxAttempts ?? PARTITION_DEFAULTS.maxAttempts,
    lockWaitMs: options.lockWaitMs ?? PARTITION_DEFAULTS.lockWaitMs,
  };
}

/** Years that must have a partition: from the first year (never before retention) to now + ahead. */
export function yearWindow(
  currentYear: number,
  opts: { ahead: number; firstYear?: number; retain?: number },
): { first: number; last: number } {
  let first = Math.min(currentYear, opts.firstYear ?? currentYear - 1);
  if (opts.retain !== undefined) first = Math.max(first, currentYear - opts.retain);
  return { first, last: currentYear + opts.ahead };
}

// The plan ----------------------------------------------------------------------------------

export function archivePath(dir: string, schema: string, table: string): string {
  return path.join(dir, `${schema}.${table}.csv`);
}

/**
 * The database's plan plus what only the CLI can do: archive a retired partition's rows to a file
 * (after it is detached, when nothing can write to it any more) and drop it. An archive file that
 * already exists is complete (it is written under another name and renamed), so it is not redone.
 */
export function rotationSteps(
  plan: readonly DbPlanRow[],
  opts: { schema: string; archiveDir?: string; drop?: boolean; archived: ReadonlySet<string> },
): { steps: RotationStep[]; conflicts: DbPlanRow[] } {
  const steps: RotationStep[] = [];
  const conflicts: DbPlanRow[] = [];
  for (const row of plan) {
    const base = { table: row.table, year: row.year, from: row.from, to: row.to };
    if (row.action === 'conflict') {
      conflicts.push(row);
      continue;
    }
    if (row.action !== 'retired') steps.push({ ...base, action: row.action, reason: row.reason });
    if (row.action === 'detach' || row.action === 'retired') {
      const file = opts.archiveDir === undefined ? undefined : archivePath(opts.archiveDir, opts.schema, row.table);
      if (file !== undefined && !opts.archived.has(row.table)) {
        steps.push({ ...base, action: 'archive', reason: 'retired: rows to a file before dropping', file });
      }
      if (opts.drop) steps.push({ ...base, action: 'drop', reason: 'retired' });
    }
  }
  return { steps, conflicts };
}

export function describeStep(step: RotationStep): string {
  const range = step.from && step.to ? ` [${step.from}, ${step.to})` : '';
  switch (step.action) {
    case 'create':
      return `create ${step.table}${range} (${step.reason})`;
    case 'adopt':
      return `adopt ${step.table}${range} (${step.reason})`;
    case 'finalize':
      return `finalize detach of ${step.table} (${step.reason})`;
    case 'detach':
      return `detach ${step.table}${range} (${step.reason})`;
    case 'archive':
      return `archive ${step.table} to ${step.file}`;
    case 'drop':
      return `drop ${step.table}`;
  }
}

// Reading a partition list ------------------------------------------------------------------

function rank(bound: string): number {
  if (bound === '-infinity') return -Infinity;
  if (bound === 'infinity') return Infinity;
  return Date.parse(`${bound}T00:00:00Z`);
}

export interface Range {
  from: string;
  to: string;
}

export interface PartitionAnalysis {
  today: string;
  /** First day inserts fail again (exclusive end of the run of partitions covering today). */
  horizon: string | null;
  /** Whole calendar years after the current one that are covered (-1: not even this one; null: none, or unbounded). */
  horizonYears: number | null;
  gaps: Range[];
  overlaps: (Range & { tables: [string, string] })[];
  /** Years of the window (history, current, ahead) not fully covered. */
  missingYears: number[];
  problems: string[];
  warnings: string[];
}

export interface AnalyzeInput {
  today: string;
  ahead: number;
  firstYear?: number;
  retain?: number;
  defaultRows?: number | null;
  realtime?: { published: boolean; viaRoot: boolean } | null;
}

function coveredDays(parts: readonly PartitionInfo[], from: string, to: string): number {
  const lo = rank(from);
  const hi = rank(to);
  let days = 0;
  for (const p of parts) {
    const a = Math.max(lo, rank(p.from!));
    const b = Math.min(hi, rank(p.to!));
    if (b > a) days += (b - a) / 86_400_000;
  }
  return days;
}

function yearRange(year: number): Range {
  return { from: `${String(year).padStart(4, '0')}-01-01`, to: `${String(year + 1).padStart(4, '0')}-01-01` };
}

/** Horizon, gaps, overlaps, and every reason `partitions check` should fail. */
export function analyzePartitions(parts: readonly PartitionInfo[], input: AnalyzeInput): PartitionAnalysis {
  const today = input.today;
  const currentYear = yearOf(today);
  const attached = parts
    .filter((p) => p.state === 'attached' && p.from !== null && p.to !== null)
    .sort((a, b) => rank(a.from!) - rank(b.from!));

  const gaps: Range[] = [];
  const overlaps: PartitionAnalysis['overlaps'] = [];
  for (let i = 1; i < attached.length; i += 1) {
    const prev = attached[i - 1]!;
    const next = attached[i]!;
    if (rank(next.from!) > rank(prev.to!)) gaps.push({ from: prev.to!, to: next.from! });
    if (rank(next.from!) < rank(prev.to!))
      overlaps.push({ from: next.from!, to: prev.to!, tables: [prev.name, next.name] });
  }

  let horizon: string | null = null;
  const t = rank(today);
  let current = attached.find((p) => rank(p.from!) <= t && t < rank(p.to!));
  if (current) {
    horizon = current.to!;
    for (const p of attached) {
      if (rank(p.from!) === rank(horizon) && rank(p.to!) > rank(horizon)) horizon = p.to!;
    }
  }
  const horizonYears = horizon === null || horizon === 'infinity' ? null : yearOf(horizon) - currentYear - 1;

  const window = yearWindow(currentYear, input);
  const missingYears: number[] = [];
  for (let y = window.first; y <= window.last; y += 1) {
    const { from, to } = yearRange(y);
    if (coveredDays(attached, from, to) < (rank(to) - rank(from)) / 86_400_000) missingYears.push(y);
  }

  const problems: string[] = [];
  const warnings: string[] = [];
  const defaultPartition = parts.find((p) => p.state === 'default');
  if (horizon === null) {
    problems.push(
      defaultPartition
        ? `no partition covers today (${today}): today's rows go to the default partition ${defaultPartition.name}`
        : `no partition covers today (${today}): inserts for today fail`,
    );
  } else if (horizonYears !== null && horizonYears < input.ahead) {
    problems.push(`partitions end at ${horizon}: fewer than ${input.ahead} year(s) ahead of ${currentYear}`);
  }
  const history = missingYears.filter((y) => y < currentYear);
  if (history.length > 0) problems.push(`no partition for past year(s) ${history.join(', ')}: backfilled metrics fail`);
  const windowStart = rank(yearRange(window.first).from);
  for (const gap of gaps) {
    const text = `gap between partitions: [${gap.from}, ${gap.to})`;
    if (rank(gap.to) > windowStart) problems.push(text);
    else warnings.push(text);
  }
  for (const o of overlaps) problems.push(`${o.tables[0]} and ${o.tables[1]} overlap on [${o.from}, ${o.to})`);

  for (const p of parts) {
    if (p.state === 'detach_pending')
      problems.push(`${p.name}: a concurrent detach was interrupted; run dreamdb partitions rotate to finalize it`);
    if (p.state === 'standalone' && p.year !== null && p.year >= window.first) {
      problems.push(`${p.name} exists but is not attached (interrupted rotation); run dreamdb partitions rotate`);
    }
    if (!p.rlsEnabled || !p.rlsForced)
      problems.push(`${p.name}: row level security is not ${p.rlsEnabled ? 'forced' : 'enabled'}`);
    if (p.apiPrivileges.length > 0)
      problems.push(`${p.name}: API roles hold privileges (${describePrivileges(p.apiPrivileges)})`);
    if (p.missingIndexes && p.missingIndexes.length > 0)
      problems.push(`${p.name}: missing the parent's index(es) ${p.missingIndexes.join(', ')}`);
  }
  if (defaultPartition) {
    warnings.push(
      `default partition ${defaultPartition.name} exists: retention (DETACH CONCURRENTLY) is impossible while it does`,
    );
    if (input.defaultRows) {
      problems.push(
        `default partition ${defaultPartition.name} holds ${input.defaultRows} row(s) outside the yearly partitions; run dreamdb partitions rotate`,
      );
    }
  }
  if (input.realtime?.published && !input.realtime.viaRoot) {
    problems.push(
      'supabase_realtime publishes metrics without publish_via_partition_root: changes appear under partition names',
    );
  }
  return { today, horizon, horizonYears, gaps, overlaps, missingYears, problems, warnings };
}

const TABLE_PRIVILEGES = 7; // SELECT INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER

/** `role:PRIV` entries, grouped per role: "anon: ALL; authenticated: SELECT". */
export function describePrivileges(entries: readonly string[]): string {
  const byRole = new Map<string, string[]>();
  for (const entry of entries) {
    const [role, privilege] = entry.split(':') as [string, string];
    byRole.set(role, [...(byRole.get(role) ?? []), privilege]);
  }
  return [...byRole]
    .map(([role, privs]) => `${role}: ${privs.length >= TABLE_PRIVILEGES ? 'ALL' : privs.join(', ')}`)
    .join('; ');
}

/** The one line a scheduler's log shows for `partitions check`. */
export function checkReason(analysis: Pick<PartitionAnalysis, 'problems' | 'horizon' | 'horizonYears'>): string {
  if (analysis.problems.length === 0) {
    return analysis.horizonYears === null
      ? `ok: partitions reach ${analysis.horizon}`
      : `ok: partitions reach ${analysis.horizon} (${analysis.horizonYears} year(s) ahead)`;
  }
  const more = analysis.problems.length > 1 ? ` (+${analysis.problems.length - 1} more)` : '';
  return `${analysis.problems[0]}${more}`;
}
