/**
 * Table locks: each DDL step of a rotation runs under a short lock_timeout and is retried with
 * backoff, so it never queues in front of the app for long. And a guard for the session holding
 * the rotation lock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DreamdbError } from '../errors.js';
import type { Sql } from '../db/connect.js';
import { backoffMs } from '../plan/partitions.js';

/** SQLSTATEs that mean "someone else holds the lock right now": retry. */
const RETRYABLE = new Set(['55P03', '40P01']);

export function isLockError(error: unknown): boolean {
  return RETRYABLE.has((error as { code?: string } | undefined)?.code ?? '');
}

export interface RetryOptions {
  maxAttempts: number;
  /** What is being locked, for the message when every attempt failed. */
  what: string;
  lockTimeoutMs: number;
  onRetry?: (attempt: number, waitMs: number, error: unknown) => void;
  random?: () => number;
}

/** Runs fn until it does not fail on a lock; fn gets the attempt number (1-based). */
export async function withLockRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (error) {
      if (!isLockError(error)) throw error;
      if (attempt >= options.maxAttempts) {
        throw new DreamdbError(
          `${options.what}: lock not available after ${attempt} attempts of ${options.lockTimeoutMs} ms; nothing is blocked, nothing was lost.`,
          {
            hint: 'A long transaction holds metrics (see pg_stat_activity); run dreamdb partitions rotate again later, or raise --lock-timeout.',
            cause: error,
          },
        );
      }
      const waitMs = backoffMs(attempt, options.random);
      options.onRetry?.(attempt, waitMs, error);
      await sleep(waitMs);
    }
  }
}

/**
 * The rotation holds a session advisory lock (withAdvisoryLock in src/db/lock.ts) on a
 * single-connection client. If that connection drops, postgres.js reconnects on the next query and
 * the lock is gone with the old session: each step first checks it still runs in the session that
 * took the lock.
 */
export async function sessionGuard(conn: Sql): Promise<() => Promise<void>> {
  const [first] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return async () => {
    const [now] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    if (now?.pid !== first?.pid) {
      throw new DreamdbError('The connection was reset during the rotation, and the rotation lock with it; stopped.', {
        hint: 'Run dreamdb partitions rotate again: it resumes where this run stopped.',
      });
    }
  };
}
