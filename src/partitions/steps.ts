/**
 * One step of a rotation, applied: each DDL statement runs under the rotation's short
 * lock_timeout through dreamdb's partition functions and is retried with backoff.
 */
import { DreamdbError, LockUnavailableError } from '../errors.js';
import type { Sql } from '../db/connect.js';
import { describeStep, type RotateSettings, type RotationStep } from '../plan/partitions.js';
import { archiveTable } from './archive.js';
import { detachPending, type ParentInfo } from './catalog.js';
import { isLockUnavailable } from '../db/pg-errors.js';
import { withLockRetries } from '../db/retry.js';

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

export interface StepContext {
  conn: Sql;
  info: ParentInfo;
  settings: RotateSettings;
  onRetry: (step: RotationStep, attempt: number, waitMs: number, reason: string) => void;
}

export async function applyStep(ctx: StepContext, step: RotationStep): Promise<AppliedStep> {
  const started = Date.now();
  let retries = 0;
  const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const { value, attempts: n } = await withLockRetries(fn, {
      what: `${what} ${step.table}`,
      maxAttempts: ctx.settings.maxAttempts,
      lockTimeoutMs: ctx.settings.lockTimeoutMs,
      hint: 'A long transaction holds metrics (see pg_stat_activity); nothing is blocked, nothing was lost. Run dreamdb partitions rotate again later, or raise --lock-timeout.',
      onRetry: (attempt, waitMs, error) => ctx.onRetry(step, attempt, waitMs, (error as Error).message),
    });
    retries += n - 1;
    return value;
  };
  const done = (extra: Partial<AppliedStep> = {}): AppliedStep => ({
    ...step,
    retries,
    ms: Date.now() - started,
    ...extra,
  });
  try {
    switch (step.action) {
      case 'create':
      case 'adopt': {
        await retry('prepare', () => prepareTable(ctx, step.year!));
        let moved: number;
        try {
          moved = await retry('attach', () => attachTable(ctx, step.year!));
        } catch (error) {
          // The attach's lock never came: take back the empty table this step made, so the
          // error's "nothing was changed" holds and `partitions check` does not report an
          // interrupted rotation. An adopted table was there before the run: it stays. If even
          // the drop cannot run, the next rotation adopts the table.
          if (step.action === 'create' && error instanceof LockUnavailableError)
            await dropTable(ctx, step.table).catch(() => {});
          throw error;
        }
        return done(moved > 0 ? { movedRows: moved } : {});
      }
      case 'finalize':
        await retry('finalize detach of', () => finalizeDetach(ctx));
        return done();
      case 'detach':
        await retry('detach', () => detachConcurrently(ctx, step.table));
        if (await detachPending(ctx.conn, ctx.info.parent, step.table))
          await retry('finalize detach of', () => finalizeDetach(ctx));
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

/**
 * DETACH ... CONCURRENTLY runs outside any transaction, so its lock_timeout is a session SET on
 * our own connection, reset afterwards. A timeout in its second phase leaves the detach pending:
 * the caller finalizes it.
 */
async function detachConcurrently(ctx: StepContext, table: string): Promise<void> {
  const { conn, settings, info } = ctx;
  if (await detachPending(conn, info.parent, table)) return;
  const [row] = await conn<
    { stmt: string }[]
  >`select dreamdb.metrics_detach_statement(${table}, ${info.parent}) as stmt`;
  await conn`select set_config('lock_timeout', ${`${settings.lockTimeoutMs}ms`}, false)`;
  try {
    await conn.unsafe(row!.stmt);
  } catch (error) {
    if (isLockUnavailable(error) && (await detachPending(conn, info.parent, table))) return;
    throw error;
  } finally {
    await conn`reset lock_timeout`;
  }
}

async function dropTable(ctx: StepContext, table: string): Promise<void> {
  const { conn, settings, info } = ctx;
  await conn`select dreamdb.drop_metrics_partition_table(${table}, ${settings.lockTimeoutMs}::int, ${info.parent})`;
}
