/**
 * A guard for the session holding the rotation lock. (Each DDL step's lock retries are
 * src/db/retry.ts's, the one policy.)
 */
import { DreamdbError } from '../errors.js';
import type { Sql } from '../db/connect.js';

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
