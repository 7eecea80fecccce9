/**
 * One lock-retry policy (GitLab's "with lock retries"): DDL runs under a short lock_timeout so it
 * never queues in front of the app for long; when the lock is not available (55P03, or a deadlock
 * we lost, 40P01) it backs off and tries again, up to a number of attempts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LockUnavailableError } from '../errors.js';
import { isLockUnavailable } from './pg-errors.js';

/** The wait before retry `attempt` (1-based): doubling from 100 ms up to 5 s, with 50-100 % jitter. */
export function lockRetryDelayMs(
  attempt: number,
  random: () => number = Math.random,
  baseMs = 100,
  capMs = 5_000,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export interface LockRetryOptions {
  /** Attempts in all, the first included (at least 1). */
  maxAttempts: number;
  /** The lock_timeout each attempt runs under, for the message. */
  lockTimeoutMs: number;
  /** What needs the lock, for the message: "migration 20261201_x.sql", "attaching metrics_2027_01". */
  what: string;
  /** The hint when every attempt failed (default: look at pg_stat_activity, run again later). */
  hint?: string;
  onRetry?: (attempt: number, waitMs: number, error: unknown) => void;
  random?: () => number;
}

/**
 * Runs fn (given the attempt number, 1-based) until it does not fail on a lock. Other errors pass
 * through at once; after the last attempt a LockUnavailableError (exit 1) says nothing changed.
 */
export async function withLockRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: LockRetryOptions,
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (error) {
      if (!isLockUnavailable(error)) throw error;
      if (attempt >= options.maxAttempts) {
        throw new LockUnavailableError(
          `Could not take a lock within ${options.lockTimeoutMs} ms after ${attempt} attempts for ${options.what} (${(error as Error).message}); nothing was changed.`,
          { hint: options.hint, cause: error },
        );
      }
      const waitMs = lockRetryDelayMs(attempt, options.random);
      options.onRetry?.(attempt, waitMs, error);
      await sleep(waitMs);
    }
  }
}
