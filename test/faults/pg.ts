/** Named fault points on the server: wait for a backend doing X, terminate it, hold a lock. */
import { connect, type Sql } from '../../src/db/connect.js';

/** Waits (bounded) until a backend of `application` matches `where` (a query text fragment or state). */
/** Rows in public.artists, 0 when the table is not there (a restore or seed that left nothing). */
export async function artistRows(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select case when to_regclass('public.artists') is null then 0
                else (select count(*)::int from public.artists) end as n`;
  return row!.n;
}

export async function waitForBackend(
  sql: Sql,
  application: string,
  queryLike = '%',
  timeoutMs = 20_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and application_name = ${application} and query like ${queryLike} and pid <> pg_backend_pid()
      order by backend_start limit 1`;
    if (row) return row.pid;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no backend of ${application} running ${queryLike} within ${timeoutMs} ms`);
}

export async function terminate(sql: Sql, pid: number): Promise<void> {
  const [row] = await sql<{ ok: boolean }[]>`select pg_terminate_backend(${pid}) as ok`;
  if (!row?.ok) throw new Error(`could not terminate ${pid}`);
}

/** Another session holding a table lock until release() (a migration or an operator's LOCK TABLE). */
export async function holdTableLock(
  url: string,
  table: string,
  mode = 'access exclusive',
): Promise<{ release(): Promise<void> }> {
  const sql = connect(url, { max: 1 });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const done = sql.begin(async (tx) => {
    await tx.unsafe(`lock table ${table} in ${mode} mode`);
    locked();
    await released;
  });
  await Promise.race([isLocked, done]);
  return {
    async release() {
      release();
      await done.catch(() => {});
      await sql.end({ timeout: 5 });
    },
  };
}

/** A backend of the command under test: database and application as LIKE patterns, query ILIKE. */
export interface BackendMatch {
  database: string;
  application: string;
  queryLike: string;
  /** Only backends running a statement now (not idle after it). */
  activeOnly?: boolean;
  /** Only this role's backends: to tell one run from another file's run of the same command. */
  user?: string;
}

/**
 * Polls every 5 ms until a backend matches (its pids) or `ended()` says the command is over ([]):
 * the named point at which a fault test cuts, terminates or kills.
 */
export async function backendsWhen(admin: Sql, match: BackendMatch, ended: () => boolean): Promise<number[]> {
  while (!ended()) {
    const rows = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity
       where datname like ${match.database} and application_name like ${match.application}
         and query ilike ${match.queryLike} and (${!match.activeOnly} or state = 'active') and pid <> pg_backend_pid()
         and (${match.user ?? null}::text is null or usename = ${match.user ?? null})`;
    if (rows.length) return rows.map((r) => r.pid);
    await new Promise((r) => setTimeout(r, 5));
  }
  return [];
}
