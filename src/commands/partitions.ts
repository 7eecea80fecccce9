/**
 * `dreamdb partitions`: yearly partitions of public.metrics, rotated without blocking the app.
 * The rotation steps themselves live in SQL (sql/migrations/20261125100100_metrics_partitions.sql)
 * and are shared with the in-database pg_cron job; this module plans, shows, locks, retries,
 * archives and reports. docs/partitions.md explains the policy.
 *
 * Wiring spec. Every subcommand takes the global --db/--json/--debug; `--now <YYYY-MM-DD>` is
 * passed as `now` (the library falls back to env DREAMDB_NOW, then the server's current_date).
 * Durations are milliseconds. Human output: the render* functions below; --json: the result.
 *
 *   partitions list      [--now D] [--ahead N=1] [--first-year Y] [--retain N]
 *       withDb(url, (sql) => listPartitions(sql, opts)) -> PartitionList; renderPartitionList.
 *       Exit 0 (problems are listed, not an error; `check` is the gate).
 *   partitions rotate    [--ahead N=2] [--retain N] [--first-year Y=now-1] [--archive DIR] [--drop]
 *                        [--dry-run] [--now D] [--lock-timeout MS=200] [--attempts N=12]
 *                        [--wait MS=30000]
 *       withDb(url, (sql) => rotatePartitions(sql, { ahead, retain, firstYear, archiveDir, drop,
 *         dryRun, now, lockTimeoutMs, maxAttempts, lockWaitMs, onProgress })) -> RotateResult;
 *       renderRotation. `sql` must be a single-connection client (connect(url)'s default max: 1).
 *       onProgress events (lock-wait, plan, start, retry, done, analyze) are for stderr progress.
 *       --drop and --archive need --retain (UsageError otherwise).
 *       Exit 0 done or nothing to do; 1 a step failed, a conflict, or another rotation held the
 *       lock past --wait (DreamdbError: one line + hint); 2 usage/connection.
 *   partitions check     [--ahead N=1] [--first-year Y] [--retain N] [--now D]
 *       checkPartitions(sql, opts) -> CheckResult; renderCheck (one line: result.reason).
 *       Exit result.exitCode: 0 ok, 3 problems (metrics or dreamdb's functions missing included);
 *       2 connection.
 *   partitions schedule  [--ahead N=2] [--first-year Y] [--retain N] [--archive DIR] [--drop]
 *                        [--cron EXPR='17 3 * * *'] [--name NAME=dreamdb-partitions] [--print]
 *       schedulePartitions(sql, { ahead, firstYear, retain, archiveDir, drop, cron, jobName,
 *         print }) -> ScheduleResult; renderSchedule. Installs/updates the pg_cron job where
 *       cron.schedule exists (unless --print); always returns the crontab line and CI snippet.
 *       Exit 0; 1 error; 2 usage/connection.
 */
import fs from 'node:fs';
import { DreamdbError, ExitCode, UsageError } from '../errors.js';
import type { Sql } from '../db/connect.js';
import {
  PARTITION_DEFAULTS,
  analyzePartitions,
  archivePath,
  checkReason,
  describePrivileges,
  describeStep,
  resolveNow,
  rotationSteps,
  validateRotateOptions,
  yearOf,
  yearWindow,
  type DbPlanRow,
  type PartitionAnalysis,
  type PartitionInfo,
  type RotateSettings,
  type RotationStep,
} from '../plan/partitions.js';
import { isLockError, sessionGuard, withLockRetries } from '../partitions/locks.js';
import { LockKeys, withAdvisoryLock } from '../db/lock.js';
import { archiveTable } from '../partitions/archive.js';
import { assertCronSchedule, pgCronError, pgCronHint, pgCronState } from '../partitions/cron.js';
import { style } from '../ui/output.js';

export { describeStep } from '../plan/partitions.js';

// Reading the catalog -----------------------------------------------------------------------

interface ParentInfo {
  parent: string;
  schema: string;
  table: string;
  keyColumn: string;
  /** The default partition's name (in the parent's schema: Postgres puts it nowhere else here). */
  defaultPartition: { schema: string; name: string } | null;
}

/** Errors a user fixes by migrating, as one-line DreamdbErrors. */
function catalogError(error: unknown, parent: string): DreamdbError | undefined {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === '42883' || code === '3F000') {
    return new DreamdbError("dreamdb's partition functions are not installed in this database.", {
      hint: 'Run dreamdb migrate (migration 20261125100100_metrics_partitions).',
      cause: error,
    });
  }
  if (code === '42P01') return new DreamdbError(`${parent} does not exist.`, { hint: 'Run dreamdb migrate first.', cause: error });
  if (code === '42809') {
    return new DreamdbError(`${parent} is not partitioned by range on one date column.`, {
      hint: 'Check the metrics migration: PARTITION BY RANGE (metric_date).',
      cause: error,
    });
  }
  return undefined;
}

async function readParent(sql: Sql, parent: string): Promise<ParentInfo> {
  try {
    const [row] = await sql<{ schema: string; table: string; key: string; def_schema: string | null; def_name: string | null }[]>`
      select p.schema_name as schema, p.table_name as table, p.key_column as key, n.nspname as def_schema, c.relname as def_name
      from dreamdb.metrics_partition_parent(${parent}) p
      left join pg_class c on c.oid = p.default_partition
      left join pg_namespace n on n.oid = c.relnamespace`;
    const r = row!;
    const defaultPartition = r.def_schema && r.def_name ? { schema: r.def_schema, name: r.def_name } : null;
    return { parent, schema: r.schema, table: r.table, keyColumn: r.key, defaultPartition };
  } catch (error) {
    throw catalogError(error, parent) ?? error;
  }
}

interface PartitionRow {
  table_schema: string;
  table_name: string;
  state: PartitionInfo['state'];
  year: number | null;
  lo: string | null;
  hi: string | null;
  rls_enabled: boolean;
  rls_forced: boolean;
  api_privileges: string[];
  missing_indexes: string[] | null;
  owner_name: string;
  rows_estimate: string | null;
  size_bytes: string;
}

async function readPartitions(sql: Sql, parent: string): Promise<PartitionInfo[]> {
  const rows = await sql<PartitionRow[]>`
    select table_schema, table_name, state, year, lo::text as lo, hi::text as hi, rls_enabled, rls_forced,
           api_privileges, missing_indexes, owner_name, rows_estimate::text as rows_estimate, size_bytes::text as size_bytes
    from dreamdb.metrics_partitions(${parent})`;
  return rows.map((r) => ({
    schema: r.table_schema,
    name: r.table_name,
    state: r.state,
    year: r.year,
    from: r.lo,
    to: r.hi,
    rlsEnabled: r.rls_enabled,
    rlsForced: r.rls_forced,
    apiPrivileges: r.api_privileges,
    missingIndexes: r.missing_indexes,
    owner: r.owner_name,
    rowsEstimate: r.rows_estimate === null ? null : Number(r.rows_estimate),
    sizeBytes: Number(r.size_bytes),
  }));
}

async function readToday(sql: Sql, now: string | Date | undefined): Promise<string> {
  const resolved = resolveNow(now);
  if (resolved !== undefined) return resolved;
  const [row] = await sql<{ today: string }[]>`select current_date::text as today`;
  return row!.today;
}

async function readRealtime(sql: Sql, parent: string): Promise<{ published: boolean; viaRoot: boolean }> {
  const [row] = await sql<{ published: boolean; via_root: boolean }[]>`
    select coalesce(bool_or(p.puballtables or exists (
             select 1 from pg_publication_rel r where r.prpubid = p.oid and r.prrelid = to_regclass(${parent}))), false) as published,
           coalesce(bool_and(p.pubviaroot), false) as via_root
    from pg_publication p where p.pubname = 'supabase_realtime'`;
  return { published: row!.published, viaRoot: row!.via_root };
}

async function countRows(sql: Sql, table: { schema: string; name: string }): Promise<number> {
  const [row] = await sql<{ n: string }[]>`select count(*)::text as n from ${sql(table.schema)}.${sql(table.name)}`;
  return Number(row!.n);
}

// list ------------------------------------------------------------------------------------------

export interface ListOptions {
  /** Plan for this date (YYYY-MM-DD or Date); default DREAMDB_NOW, else the server's current_date. */
  now?: string | Date;
  /** Years ahead the horizon should reach before it counts as a problem (default 1). */
  ahead?: number;
  firstYear?: number;
  retain?: number;
  parent?: string;
}

export interface PartitionList extends PartitionAnalysis {
  parent: string;
  partitions: PartitionInfo[];
  defaultPartition: { name: string; rows: number } | null;
  realtime: { published: boolean; viaRoot: boolean };
}

export async function listPartitions(sql: Sql, options: ListOptions = {}): Promise<PartitionList> {
  const parent = options.parent ?? PARTITION_DEFAULTS.parent;
  const info = await readParent(sql, parent);
  const today = await readToday(sql, options.now);
  const partitions = await readPartitions(sql, parent);
  const defaultRows = info.defaultPartition ? await countRows(sql, info.defaultPartition) : null;
  const realtime = await readRealtime(sql, parent);
  const analysis = analyzePartitions(partitions, {
    today,
    ahead: options.ahead ?? PARTITION_DEFAULTS.checkAhead,
    ...(options.firstYear !== undefined ? { firstYear: options.firstYear } : {}),
    ...(options.retain !== undefined ? { retain: options.retain } : {}),
    defaultRows,
    realtime,
  });
  return {
    parent,
    ...analysis,
    partitions,
    defaultPartition: info.defaultPartition ? { name: info.defaultPartition.name, rows: defaultRows ?? 0 } : null,
    realtime,
  };
}

// check -----------------------------------------------------------------------------------------

export interface CheckResult {
  ok: boolean;
  exitCode: typeof ExitCode.ok | typeof ExitCode.checkFailed;
  /** One line for a scheduler's log. */
  reason: string;
  problems: string[];
  warnings: string[];
  today: string | null;
  horizon: string | null;
  horizonYears: number | null;
}

/**
 * Catalog reads of the partitions commands wait at most this long behind another session's lock
 * (a migration's ACCESS EXCLUSIVE on metrics): they run unattended, from cron and monitoring.
 */
export const CATALOG_LOCK_TIMEOUT_MS = 2_000;

/** A catalog read that met another session's lock (SQLSTATE 55P03), as a one-line error. */
export function catalogLockError(error: unknown, parent: string): DreamdbError | undefined {
  if ((error as { code?: string })?.code !== '55P03' || error instanceof DreamdbError) return undefined;
  return new DreamdbError(`Could not read the partitions of ${parent}: another session holds a lock on it (waited ${CATALOG_LOCK_TIMEOUT_MS / 1000} s).`, {
    hint: 'A migration or a LOCK TABLE is running; see pg_stat_activity / pg_locks, and run the command again when it is done.',
    cause: error,
  });
}

/** Never throws for what it finds (missing table or functions included): exit code 3 and a reason. */
export async function checkPartitions(sql: Sql, options: ListOptions = {}): Promise<CheckResult> {
  let list: PartitionList;
  try {
    list = await listPartitions(sql, options);
  } catch (caught) {
    const error = catalogLockError(caught, options.parent ?? PARTITION_DEFAULTS.parent) ?? caught;
    if (!(error instanceof DreamdbError) || error instanceof UsageError) throw error;
    return { ok: false, exitCode: ExitCode.checkFailed, reason: error.message, problems: [error.message], warnings: [], today: null, horizon: null, horizonYears: null };
  }
  const ok = list.problems.length === 0;
  return {
    ok,
    exitCode: ok ? ExitCode.ok : ExitCode.checkFailed,
    reason: checkReason(list),
    problems: list.problems,
    warnings: list.warnings,
    today: list.today,
    horizon: list.horizon,
    horizonYears: list.horizonYears,
  };
}

// rotate ----------------------------------------------------------------------------------------

export interface RotateOptions {
  /** Years after the current one that must have a partition (default 2). */
  ahead?: number;
  /** Retire partitions that end before Jan 1 of (current year - retain). */
  retain?: number;
  /** First year of history that must have a partition (default: the year before now's). */
  firstYear?: number;
  /** Archive each retired partition's rows to <dir>/<schema>.<table>.csv before dropping it. */
  archiveDir?: string;
  /** Drop retired partitions (after archiving them when archiveDir is set). */
  drop?: boolean;
  dryRun?: boolean;
  now?: string | Date;
  lockTimeoutMs?: number;
  maxAttempts?: number;
  /** How long to wait for another rotation to finish (default 30 s). */
  lockWaitMs?: number;
  parent?: string;
  onProgress?: (event: RotateEvent) => void;
}

export type RotateEvent =
  | { type: 'lock-wait'; parent: string; holderPid?: number | null }
  | { type: 'plan'; steps: RotationStep[] }
  | { type: 'start'; step: RotationStep }
  | { type: 'retry'; step: RotationStep; attempt: number; waitMs: number; reason: string }
  | { type: 'done'; step: AppliedStep }
  | { type: 'analyze'; parent: string };

export interface AppliedStep extends RotationStep {
  /** Lock timeouts retried (0: every statement got its locks at once). */
  retries: number;
  ms: number;
  /** create/adopt: rows moved out of a default partition. */
  movedRows?: number;
  /** archive: rows and bytes written. */
  rows?: number;
  bytes?: number;
}

export interface RotateResult {
  parent: string;
  today: string;
  window: { firstYear: number; lastYear: number; retireBefore: string | null };
  plan: RotationStep[];
  applied: AppliedStep[];
  dryRun: boolean;
  changed: boolean;
  analyzed: boolean;
  lockWaitedMs: number;
}

interface StepContext {
  conn: Sql;
  info: ParentInfo;
  settings: RotateSettings;
  onProgress: (event: RotateEvent) => void;
}

export async function rotatePartitions(sql: Sql, options: RotateOptions = {}): Promise<RotateResult> {
  const settings = validateRotateOptions(options);
  const parent = options.parent ?? PARTITION_DEFAULTS.parent;
  const onProgress = options.onProgress ?? (() => {});
  // The session lock, the session SET around DETACH ... CONCURRENTLY and the steps must share one
  // session. (postgres.js's reserve() is no substitute: a reserved connection the server closes
  // crashes the client on its next use, and a rotation must survive being terminated.)
  if (sql.options.max !== 1) {
    throw new Error('rotatePartitions needs a single-connection client: connect(url) (max: 1).');
  }
  const conn = sql;
  const info = await readParent(conn, parent);
  const today = await readToday(conn, options.now);
  if (options.dryRun) return planRotation(conn, info, today, settings, options, 0);
  const waitStarted = Date.now();
  return withAdvisoryLock(
    conn,
    LockKeys.partitions,
    { waitMs: settings.lockWaitMs, what: `rotation of ${parent}`, onWait: (pid) => onProgress({ type: 'lock-wait', parent, holderPid: pid }) },
    async () => {
      const assertSession = await sessionGuard(conn);
      // Planned under the lock: a rotation that waited for another one sees its result.
      const result = await planRotation(conn, info, today, settings, options, Date.now() - waitStarted);
      const ctx: StepContext = { conn, info, settings, onProgress };
      for (const step of result.plan) {
        await assertSession();
        onProgress({ type: 'start', step });
        const applied = await applyStep(ctx, step);
        result.applied.push(applied);
        result.changed = true;
        onProgress({ type: 'done', step: applied });
      }
      if (result.changed) {
        onProgress({ type: 'analyze', parent });
        // Autovacuum never analyzes a partitioned parent.
        await conn`analyze ${conn(info.schema)}.${conn(info.table)}`;
        result.analyzed = true;
      }
      return result;
    },
  );
}

async function planRotation(
  conn: Sql,
  info: ParentInfo,
  today: string,
  settings: RotateSettings,
  options: RotateOptions,
  lockWaitedMs: number,
): Promise<RotateResult> {
  const plan = await readPlan(conn, info.parent, today, settings);
  const archived = new Set(
    plan.filter((r) => settings.archiveDir !== undefined && fs.existsSync(archivePath(settings.archiveDir, info.schema, r.table))).map((r) => r.table),
  );
  const { steps, conflicts } = rotationSteps(plan, {
    schema: info.schema,
    ...(settings.archiveDir !== undefined ? { archiveDir: settings.archiveDir } : {}),
    drop: settings.drop,
    archived,
  });
  if (conflicts.length > 0) {
    throw new DreamdbError(`${conflicts[0]!.reason}; nothing done.`, {
      details: conflicts.slice(1).map((c) => c.reason),
      hint: `Detach or merge the partitions covering ${conflicts.map((c) => c.year).join(', ')} by hand; dreamdb partitions list shows them.`,
    });
  }
  await preflight(conn, info, steps);
  options.onProgress?.({ type: 'plan', steps });
  const window = yearWindow(yearOf(today), settings);
  return {
    parent: info.parent,
    today,
    window: {
      firstYear: window.first,
      lastYear: window.last,
      retireBefore: settings.retain === undefined ? null : `${yearOf(today) - settings.retain}-01-01`,
    },
    plan: steps,
    applied: [],
    dryRun: options.dryRun ?? false,
    changed: false,
    analyzed: false,
    lockWaitedMs,
  };
}

async function readPlan(conn: Sql, parent: string, today: string, settings: RotateSettings): Promise<DbPlanRow[]> {
  const rows = await conn<{ step: number; action: DbPlanRow['action']; year: number | null; table_name: string; lo: string | null; hi: string | null; reason: string }[]>`
    select step, action, year, table_name, lo::text as lo, hi::text as hi, reason
    from dreamdb.metrics_partition_plan(${today}::date, ${settings.ahead}::int, ${settings.firstYear ?? null}::int,
                                        ${settings.retain ?? null}::int, ${parent})
    order by step`;
  return rows.map((r) => ({ step: r.step, action: r.action, year: r.year, table: r.table_name, from: r.lo, to: r.hi, reason: r.reason }));
}

/** Refuse, before changing anything, what would fail half-way. */
async function preflight(conn: Sql, info: ParentInfo, steps: readonly RotationStep[]): Promise<void> {
  if (info.defaultPartition && steps.some((s) => s.action === 'detach')) {
    throw new DreamdbError(
      `${info.parent} has a default partition (${info.defaultPartition.name}): Postgres forbids DETACH ... CONCURRENTLY, and retention never takes ACCESS EXCLUSIVE on ${info.parent}; nothing done.`,
      { hint: 'Run dreamdb partitions rotate without --retain (it moves rows out of the default), then drop the default partition.' },
    );
  }
  if (steps.some((s) => s.action === 'archive')) {
    const [row] = await conn<{ bypass: boolean }[]>`select rolsuper or rolbypassrls as bypass from pg_roles where rolname = current_user`;
    if (!row?.bypass) {
      throw new DreamdbError('Archiving needs a role that bypasses row level security (partitions force it); nothing done.', {
        hint: 'Connect as the database owner (postgres on Supabase) or a role with BYPASSRLS.',
      });
    }
  }
}

async function applyStep(ctx: StepContext, step: RotationStep): Promise<AppliedStep> {
  const started = Date.now();
  let retries = 0;
  const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const { value, attempts: n } = await withLockRetries(fn, {
      what: `${what} ${step.table}`,
      maxAttempts: ctx.settings.maxAttempts,
      lockTimeoutMs: ctx.settings.lockTimeoutMs,
      onRetry: (attempt, waitMs, error) =>
        ctx.onProgress({ type: 'retry', step, attempt, waitMs, reason: (error as Error).message }),
    });
    retries += n - 1;
    return value;
  };
  const done = (extra: Partial<AppliedStep> = {}): AppliedStep => ({ ...step, retries, ms: Date.now() - started, ...extra });
  try {
    switch (step.action) {
      case 'create':
      case 'adopt': {
        await retry('prepare', () => prepareTable(ctx, step.year!));
        const moved = await retry('attach', () => attachTable(ctx, step.year!));
        return done(moved > 0 ? { movedRows: moved } : {});
      }
      case 'finalize':
        await retry('finalize detach of', () => finalizeDetach(ctx));
        return done();
      case 'detach':
        await retry('detach', () => detachConcurrently(ctx, step.table));
        if (await detachPending(ctx, step.table)) await retry('finalize detach of', () => finalizeDetach(ctx));
        return done();
      case 'archive': {
        const archived = await archiveTable(ctx.conn, ctx.info.schema, step.table, step.file!);
        return done({ rows: archived.rows, bytes: archived.bytes });
      }
      case 'drop':
        await retry('drop', () => dropTable(ctx, step.table));
        return done();
    }
  } catch (error) {
    if (error instanceof DreamdbError) throw error;
    throw new DreamdbError(`${describeStep(step)} failed: ${(error as Error).message}`, {
      hint: 'Fix the cause and run dreamdb partitions rotate again; it resumes where this run stopped.',
      cause: error,
    });
  }
}

async function prepareTable(ctx: StepContext, year: number): Promise<void> {
  const { conn, settings, info } = ctx;
  await conn`select dreamdb.create_metrics_partition_table(${year}::int, ${settings.lockTimeoutMs}::int, ${info.parent})`;
}

async function attachTable(ctx: StepContext, year: number): Promise<number> {
  const { conn, settings, info } = ctx;
  const [row] = await conn<{ status: string; moved: string }[]>`
    select status, moved_rows::text as moved
    from dreamdb.attach_metrics_partition(${year}::int, ${settings.lockTimeoutMs}::int, ${info.parent})`;
  return Number(row?.moved ?? 0);
}

async function finalizeDetach(ctx: StepContext): Promise<void> {
  const { conn, settings, info } = ctx;
  await conn`select dreamdb.finalize_metrics_detach(${settings.lockTimeoutMs}::int, ${info.parent})`;
}

async function detachPending(ctx: StepContext, table: string): Promise<boolean> {
  const [row] = await ctx.conn<{ pending: boolean }[]>`
    select exists (select 1 from dreamdb.metrics_partitions(${ctx.info.parent})
                   where table_name = ${table} and state = 'detach_pending') as pending`;
  return row?.pending ?? false;
}

/**
 * DETACH ... CONCURRENTLY runs outside any transaction, so its lock_timeout is a session SET on
 * our own connection, reset afterwards. A timeout in its second phase leaves the detach pending:
 * the caller finalizes it.
 */
async function detachConcurrently(ctx: StepContext, table: string): Promise<void> {
  const { conn, settings, info } = ctx;
  if (await detachPending(ctx, table)) return;
  const [row] = await conn<{ stmt: string }[]>`select dreamdb.metrics_detach_statement(${table}, ${info.parent}) as stmt`;
  await conn`select set_config('lock_timeout', ${`${settings.lockTimeoutMs}ms`}, false)`;
  try {
    await conn.unsafe(row!.stmt);
  } catch (error) {
    if (isLockError(error) && (await detachPending(ctx, table))) return;
    throw error;
  } finally {
    await conn`reset lock_timeout`;
  }
}

async function dropTable(ctx: StepContext, table: string): Promise<void> {
  const { conn, settings, info } = ctx;
  await conn`select dreamdb.drop_metrics_partition_table(${table}, ${settings.lockTimeoutMs}::int, ${info.parent})`;
}

/** The one result line of a rotation. */
export function summarizeRotation(result: RotateResult): string {
  if (result.plan.length === 0) return `${result.parent}: partitions ${result.window.firstYear}-${result.window.lastYear} in place; nothing to do.`;
  const steps = result.dryRun ? result.plan : result.applied;
  const counts = new Map<string, string[]>();
  for (const s of steps) counts.set(s.action, [...(counts.get(s.action) ?? []), s.table]);
  const verbs: Record<string, string> = { create: 'created', adopt: 'adopted', finalize: 'finalized', detach: 'detached', archive: 'archived', drop: 'dropped' };
  const parts = [...counts].map(([action, tables]) => `${result.dryRun ? action : verbs[action]} ${tables.join(', ')}`);
  return `${result.parent}: ${result.dryRun ? 'would ' : ''}${parts.join('; ')}.`;
}

// rendering (human output; --json prints the result objects) ----------------------------------

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
    lines.push(`  ${p.name.padEnd(24)} ${bounds.padEnd(26)} ${rows.padStart(14)} ${size(p.sizeBytes).padStart(9)}  ${protection(p)}${state}`);
  }
  if (!list.partitions.length) lines.push('  no partitions');
  lines.push(
    list.horizon
      ? `Inserts succeed until ${list.horizon}${list.horizonYears === null ? '' : ` (${list.horizonYears} whole year(s) after this one)`}.`
      : style.red(`No partition covers today: inserts for ${list.today} fail.`),
  );
  for (const g of list.gaps) lines.push(style.yellow(`Gap: [${g.from}, ${g.to})`));
  for (const o of list.overlaps) lines.push(style.red(`Overlap: ${o.tables.join(' and ')} on [${o.from}, ${o.to})`));
  lines.push(`Realtime: ${list.realtime.published ? (list.realtime.viaRoot ? 'published through the parent' : style.red('published per partition')) : 'not published'}.`);
  for (const w of list.warnings) lines.push(style.yellow(`warning: ${w}`));
  for (const p of list.problems) lines.push(style.red(`problem: ${p}`));
  return lines;
}

export function renderRotation(result: RotateResult): string[] {
  const lines = result.plan.length ? [`Plan for ${result.parent} (today ${result.today}):`, ...result.plan.map((s) => `  ${describeStep(s)}`)] : [];
  for (const s of result.applied) {
    const extra = [
      s.movedRows ? `${s.movedRows} rows moved from the default partition` : '',
      s.rows !== undefined ? `${s.rows} rows, ${size(s.bytes ?? 0)}` : '',
      s.retries ? `${s.retries} lock retries` : '',
    ].filter(Boolean);
    lines.push(`  ${style.green('✔')} ${s.action} ${s.table} ${style.dim(`${s.ms} ms${extra.length ? `, ${extra.join(', ')}` : ''}`)}`);
  }
  lines.push(summarizeRotation(result));
  return lines;
}

export function renderCheck(result: CheckResult): string[] {
  return [result.ok ? result.reason : style.red(result.reason)];
}

export function renderSchedule(result: ScheduleResult): string[] {
  const lines = result.job ? [`Installed pg_cron job ${result.job.name} (${result.job.id}): '${result.job.schedule}' ${result.job.command}`] : [];
  lines.push(...result.notes);
  if (!result.job || result.notes.some((n) => n.startsWith('Retention'))) {
    lines.push('', 'crontab:', `  ${result.crontab}`, '', 'CI schedule:', ...result.ci.split('\n').map((l) => `  ${l}`));
  }
  if (!result.job) lines.push('', 'Where pg_cron runs in this database, the in-database job instead:', `  ${result.pgCronSql}`);
  return lines;
}

// schedule --------------------------------------------------------------------------------------

export interface ScheduleOptions {
  ahead?: number;
  firstYear?: number;
  retain?: number;
  archiveDir?: string;
  drop?: boolean;
  /** Cron expression (5 fields) or pg_cron's '[1-59] seconds'. */
  cron?: string;
  jobName?: string;
  /** Only print the crontab line and CI snippet, even where pg_cron is installed. */
  print?: boolean;
  parent?: string;
}

export interface ScheduleResult {
  mode: 'pg_cron' | 'external';
  job: { id: number; name: string; schedule: string; command: string } | null;
  /** The SQL of the in-database job, to install by hand where pg_cron lives elsewhere. */
  pgCronSql: string;
  crontab: string;
  ci: string;
  notes: string[];
}

function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export async function schedulePartitions(sql: Sql, options: ScheduleOptions = {}): Promise<ScheduleResult> {
  const settings = validateRotateOptions(options);
  const cron = (options.cron ?? PARTITION_DEFAULTS.cron).trim();
  assertCronSchedule(cron);
  const name = options.jobName ?? PARTITION_DEFAULTS.jobName;
  const parent = options.parent ?? PARTITION_DEFAULTS.parent;

  const args = [`p_ahead => ${settings.ahead}`];
  if (settings.firstYear !== undefined) args.push(`p_first_year => ${settings.firstYear}`);
  if (parent !== PARTITION_DEFAULTS.parent) args.push(`p_parent => ${sqlLiteral(parent)}`);
  const command = `CALL dreamdb.rotate_metrics_partitions(${args.join(', ')})`;
  const pgCronSql = `SELECT cron.schedule(${sqlLiteral(name)}, ${sqlLiteral(cron)}, ${sqlLiteral(command)});`;

  const flags = [`--ahead ${settings.ahead}`];
  if (settings.firstYear !== undefined) flags.push(`--first-year ${settings.firstYear}`);
  if (settings.retain !== undefined) flags.push(`--retain ${settings.retain}`);
  if (settings.archiveDir !== undefined) flags.push(`--archive ${settings.archiveDir}`);
  if (settings.drop) flags.push('--drop');
  const rotate = `npx dreamdb partitions rotate ${flags.join(' ')}`;
  const crontab = `${cron.endsWith('seconds') ? PARTITION_DEFAULTS.cron : cron} cd /path/to/app && DATABASE_URL='postgresql://...' ${rotate} >> /var/log/dreamdb-partitions.log 2>&1`;
  const ciCron = cron.endsWith('seconds') ? PARTITION_DEFAULTS.cron : cron;
  const ci = [
    '# .github/workflows/metrics-partitions.yml',
    'name: metrics partitions',
    'on:',
    '  schedule:',
    `    - cron: '${ciCron}'`,
    '  workflow_dispatch: {}',
    'jobs:',
    '  rotate:',
    '    runs-on: ubuntu-latest',
    '    env:',
    '      DATABASE_URL: ${{ secrets.DATABASE_URL }}',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with: { node-version: 20 }',
    '      - run: npm ci',
    `      - run: ${rotate}`,
    `      - run: npx dreamdb partitions check --ahead ${Math.max(0, settings.ahead - 1)}`,
  ].join('\n');

  const notes: string[] = [];
  const cronState = await pgCronState(sql);
  const hasPgCron = cronState === 'installed';
  let job: ScheduleResult['job'] = null;
  if (hasPgCron && !options.print) {
    await readParent(sql, parent);
    // cron.schedule with a job name updates that job in place: running this twice is harmless.
    const [row] = await sql<{ id: string }[]>`select cron.schedule(${name}, ${cron}, ${command})::text as id`.catch((error: unknown) => {
      throw pgCronError(error, cron) ?? error;
    });
    job = { id: Number(row!.id), name, schedule: cron, command };
    notes.push(`pg_cron job ${name} runs ${command} at '${cron}'.`);
  } else if (cronState !== 'installed') {
    notes.push(pgCronHint(cronState));
  }
  if (settings.retain !== undefined) {
    notes.push(
      'Retention runs from the CLI only: DETACH ... CONCURRENTLY cannot run inside a database function, and archives are files. Schedule the crontab line or CI snippet for it.',
    );
  }
  return { mode: job ? 'pg_cron' : 'external', job, pgCronSql, crontab, ci, notes };
}
