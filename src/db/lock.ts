/** Session advisory locks held on one dedicated connection for a whole run. */
import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionLoss, sessionOf, type Sql } from './connect.js';
import { LockLostError, LockUnavailableError } from '../errors.js';
import { formatDuration } from '../config/values.js';

/** Keys: stable 64-bit numbers per purpose, so dreamdb's locks never collide with each other. */
export const LockKeys = {
  migrate: 7_424_051_239_001n,
  partitions: 7_424_051_239_002n,
  seed: 7_424_051_239_003n,
} as const;

export interface LockOptions {
  /** How long to wait for another holder, in milliseconds. */
  waitMs: number;
  what: string;
  /** The flag that sets waitMs, for the hint (null: the command has none). */
  waitFlag?: string | null;
  onWait?: (holderPid: number | null) => void;
}

/**
 * Runs fn while holding a session advisory lock on `sql` (which must be a single-connection
 * client). Waits up to waitMs for another holder; the lock is released even when fn throws.
 */
export async function withAdvisoryLock<T>(
  sql: Sql,
  key: bigint,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  let told = false;
  let delay = 25;
  while (true) {
    const [row] = await sql<{ ok: boolean }[]>`select pg_try_advisory_lock(${key.toString()}::bigint) as ok`;
    if (row?.ok) break;
    if (!told) {
      told = true;
      const [holder] = await sql<{ pid: number }[]>`
        select pid from pg_locks
        where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())
          and ((classid::bigint << 32) | objid::bigint) = ${key.toString()}::bigint
        limit 1`;
      options.onWait?.(holder?.pid ?? null);
    }
    if (Date.now() >= deadline) {
      throw new LockUnavailableError(
        `Another ${options.what} is running on this database and did not finish within ${formatDuration(options.waitMs)}.`,
        {
          hint:
            options.waitFlag === null
              ? 'Wait for it to finish, then run the command again.'
              : `Wait for it to finish, or raise ${options.waitFlag ?? '--wait-timeout'}.`,
        },
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
  // From here on the client must never reconnect: a new connection would not hold the lock.
  const session = sessionOf(sql);
  if (!session) throw new Error('withAdvisoryLock needs a client made by connect()');
  session.pinnedFor = options.what;
  try {
    const result = await fn();
    if (session.lostPinned) throw new LockLostError(options.what);
    return result;
  } catch (error) {
    // The server's "terminating connection" error can arrive before the socket closes.
    if (!(error instanceof LockLostError) && (session.lostPinned || isConnectionLoss(error))) {
      session.lostPinned = true;
      throw new LockLostError(options.what, error);
    }
    throw error;
  } finally {
    if (!session.lostPinned) await sql`select pg_advisory_unlock(${key.toString()}::bigint)`.catch(() => {});
    session.pinnedFor = undefined;
  }
}
