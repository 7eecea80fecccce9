/**
 * `partitions rotate`: plan from the calendar (dreamdb.metrics_partition_plan, shared with the
 * pg_cron job), refuse what would fail half-way, then apply the steps one by one under the
 * rotation's advisory lock, each resumable when a run is killed.
 */
import fs from 'node:fs';
import { DreamdbError } from '../errors.js';
import type { Sql } from '../db/connect.js';
import { LockKeys, withAdvisoryLock } from '../db/lock.js';
import {
  PARTITION_DEFAULTS,
  archivePath,
  rotationSteps,
  validateRotateOptions,
  yearOf,
  yearWindow,
  type DbPlanRow,
  type RotateSettings,
  type RotationStep,
} from '../plan/partitions.js';
import { bypassesRls, readParent, readToday, type ParentInfo } from './catalog.js';
import { sessionGuard } from './locks.js';
import { partitionsQuery } from './queries.js';
import { applyStep, type AppliedStep, type StepContext } from './steps.js';

export type { AppliedStep } from './steps.js';

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
  /** Postgres lock_timeout of each DDL attempt (default 200 ms). */
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
    {
      waitMs: settings.lockWaitMs,
      what: `rotation of ${parent}`,
      onWait: (pid) => onProgress({ type: 'lock-wait', parent, holderPid: pid }),
    },
    async () => {
      const assertSession = await sessionGuard(conn);
      // Planned under the lock: a rotation that waited for another one sees its result.
      const result = await planRotation(conn, info, today, settings, options, Date.now() - waitStarted);
      const ctx: StepContext = {
        conn,
        info,
        settings,
        onRetry: (step, attempt, waitMs, reason) => onProgress({ type: 'retry', step, attempt, waitMs, reason }),
      };
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
    plan
      .filter(
        (r) =>
          settings.archiveDir !== undefined && fs.existsSync(archivePath(settings.archiveDir, info.schema, r.table)),
      )
      .map((r) => r.table),
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
  const rows = await conn.unsafe<
    {
      step: number;
      action: DbPlanRow['action'];
      year: number | null;
      table_name: string;
      lo: string | null;
      hi: string | null;
      reason: string;
    }[]
  >(partitionsQuery('plan'), [today, settings.ahead, settings.firstYear ?? null, settings.retain ?? null, parent]);
  return rows.map((r) => ({
    step: r.step,
    action: r.action,
    year: r.year,
    table: r.table_name,
    from: r.lo,
    to: r.hi,
    reason: r.reason,
  }));
}

/** Refuse, before changing anything, what would fail half-way. */
async function preflight(conn: Sql, info: ParentInfo, steps: readonly RotationStep[]): Promise<void> {
  if (info.defaultPartition && steps.some((s) => s.action === 'detach')) {
    throw new DreamdbError(
      `${info.parent} has a default partition (${info.defaultPartition.name}): Postgres forbids DETACH ... CONCURRENTLY, and retention never takes ACCESS EXCLUSIVE on ${info.parent}; nothing done.`,
      {
        hint: 'Run dreamdb partitions rotate without --retain (it moves rows out of the default), then drop the default partition.',
      },
    );
  }
  if (steps.some((s) => s.action === 'archive') && !(await bypassesRls(conn))) {
    throw new DreamdbError(
      'Archiving needs a role that bypasses row level security (partitions force it); nothing done.',
      {
        hint: 'Connect as the database owner (postgres on Supabase) or a role with BYPASSRLS.',
      },
    );
  }
}

/** The one result line of a rotation. */
export function summarizeRotation(result: RotateResult): string {
  if (result.plan.length === 0)
    return `${result.parent}: partitions ${result.window.firstYear}-${result.window.lastYear} in place; nothing to do.`;
  const steps = result.dryRun ? result.plan : result.applied;
  const counts = new Map<string, string[]>();
  for (const s of steps) counts.set(s.action, [...(counts.get(s.action) ?? []), s.table]);
  const verbs: Record<string, string> = {
    create: 'created',
    adopt: 'adopted',
    finalize: 'finalized',
    detach: 'detached',
    archive: 'archived',
    drop: 'dropped',
  };
  const parts = [...counts].map(([action, tables]) => `${result.dryRun ? action : verbs[action]} ${tables.join(', ')}`);
  return `${result.parent}: ${result.dryRun ? 'would ' : ''}${parts.join('; ')}.`;
}
