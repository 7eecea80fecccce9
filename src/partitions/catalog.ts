/**
 * Reading the partitions of public.metrics from the catalog (through dreamdb's partition
 * functions), and the one-line errors a user fixes by migrating or waiting.
 */
import { DreamdbError, LockUnavailableError } from '../errors.js';
import { SqlState, sqlStateOf } from '../db/pg-errors.js';
import { withDb, type Sql } from '../db/connect.js';
import { resolveNow, type PartitionInfo } from '../plan/partitions.js';
import { partitionsQuery } from './queries.js';

export interface ParentInfo {
  parent: string;
  schema: string;
  table: string;
  keyColumn: string;
  /** The default partition's name (in the parent's schema: Postgres puts it nowhere else here). */
  defaultPartition: { schema: string; name: string } | null;
}

/**
 * Catalog reads of the partitions commands wait at most this long behind another session's lock
 * (a migration's ACCESS EXCLUSIVE on metrics): they run unattended, from cron and monitoring.
 */
export const CATALOG_LOCK_TIMEOUT_MS = 2_000;

/** A catalog read that met another session's lock (SQLSTATE 55P03), as a one-line error. */
export function catalogLockError(error: unknown, parent: string): LockUnavailableError | undefined {
  if (sqlStateOf(error) !== SqlState.lockNotAvailable || error instanceof DreamdbError) return undefined;
  return new LockUnavailableError(
    `Could not read the partitions of ${parent}: another session holds a lock on it (waited ${CATALOG_LOCK_TIMEOUT_MS / 1000} s).`,
    {
      hint: 'A migration or a LOCK TABLE is running; see pg_stat_activity / pg_locks, and run the command again when it is done.',
      cause: error,
    },
  );
}

/**
 * A single-connection client for the partitions commands (a rotation holds a session advisory
 * lock on it), whose catalog reads give up after CATALOG_LOCK_TIMEOUT_MS.
 */
export async function withPartitionsClient<T>(
  url: string,
  fn: (sql: Sql) => Promise<T>,
  parent = 'public.metrics',
): Promise<T> {
  return withDb(
    url,
    (sql) =>
      fn(sql).catch((error: unknown) => {
        throw catalogLockError(error, parent) ?? error;
      }),
    { max: 1, connection: { application_name: 'dreamdb partitions', lock_timeout: `${CATALOG_LOCK_TIMEOUT_MS}ms` } },
  );
}

/** Errors a user fixes by migrating, as one-line DreamdbErrors. */
function catalogError(error: unknown, parent: string): DreamdbError | undefined {
  // Kept apart from translatePgError: these say which migration, and `partitions check` reports
  // them as a finding (exit 3), not as a usage error.
  const code = sqlStateOf(error);
  if (code === SqlState.undefinedFunction || code === SqlState.invalidSchemaName) {
    return new DreamdbError("dreamdb's partition functions are not installed in this database.", {
      hint: 'Run dreamdb migrate (migration 20261125100100_metrics_partitions).',
      cause: error,
    });
  }
  if (code === SqlState.undefinedTable)
    return new DreamdbError(`${parent} does not exist.`, { hint: 'Run dreamdb migrate first.', cause: error });
  if (code === SqlState.wrongObjectType) {
    return new DreamdbError(`${parent} is not partitioned by range on one date column.`, {
      hint: 'Check the metrics migration: PARTITION BY RANGE (metric_date).',
      cause: error,
    });
  }
  return undefined;
}

export async function readParent(sql: Sql, parent: string): Promise<ParentInfo> {
  try {
    const [row] = await sql.unsafe<
      { schema: string; table: string; key: string; def_schema: string | null; def_name: string | null }[]
    >(partitionsQuery('parent'), [parent]);
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

export async function readPartitions(sql: Sql, parent: string): Promise<PartitionInfo[]> {
  const rows = await sql.unsafe<PartitionRow[]>(partitionsQuery('partitions'), [parent]);
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

/** The date to plan for: --now, else DREAMDB_NOW, else the server's current_date. */
export async function readToday(sql: Sql, now: string | Date | undefined): Promise<string> {
  const resolved = resolveNow(now);
  if (resolved !== undefined) return resolved;
  const [row] = await sql<{ today: string }[]>`select current_date::text as today`;
  return row!.today;
}

export async function readRealtime(sql: Sql, parent: string): Promise<{ published: boolean; viaRoot: boolean }> {
  const [row] = await sql.unsafe<{ published: boolean; via_root: boolean }[]>(partitionsQuery('realtime'), [parent]);
  return { published: row!.published, viaRoot: row!.via_root };
}

export async function countRows(sql: Sql, table: { schema: string; name: string }): Promise<number> {
  const [row] = await sql<{ n: string }[]>`select count(*)::text as n from ${sql(table.schema)}.${sql(table.name)}`;
  return Number(row!.n);
}

/** Whether a DETACH ... CONCURRENTLY of the table was interrupted and waits to be finalized. */
export async function detachPending(sql: Sql, parent: string, table: string): Promise<boolean> {
  const [row] = await sql.unsafe<{ pending: boolean }[]>(partitionsQuery('detach_pending'), [parent, table]);
  return row?.pending ?? false;
}

/** Whether the current role reads every row of a partition (they force row level security). */
export async function bypassesRls(sql: Sql): Promise<boolean> {
  const [row] = await sql.unsafe<{ bypass: boolean }[]>(partitionsQuery('bypasses_rls'));
  return row?.bypass ?? false;
}
