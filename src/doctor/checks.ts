/**
 * The checks of `dreamdb doctor`. Each reads the catalog or the statistics views (SQL in
 * sql/doctor/), compares one figure with its threshold (src/config/doctor.ts), and says in one
 * line what it found and what to do about it.
 */
import type { DoctorCheckId, DoctorConfig } from '../config/doctor.js';
import type { Sql } from '../db/connect.js';
import { inspect, type MigrateSettings } from '../migrate/engine.js';
import { packagedSql } from '../db/queries.js';
import { formatBytes } from '../backup/scope.js';
import { formatDuration } from '../config/values.js';

export type CheckStatus = 'ok' | 'alert' | 'skipped';

export interface CheckResult {
  id: DoctorCheckId;
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  verdict: string;
  /** What to do next (for alerts and skipped checks). */
  hint: string | null;
  /** The figure compared with the threshold (for --format prometheus). */
  value: number | null;
  threshold: number | null;
  unit: 'ratio' | 'ms' | 'bytes' | 'count' | 'days';
  /** The offending objects, one per line. */
  details: string[];
}

export interface CheckContext {
  sql: Sql;
  config: DoctorConfig;
  migrations: MigrateSettings;
  cwd: string;
}

type Check = (c: CheckContext) => Promise<Omit<CheckResult, 'id' | 'title'>>;

async function query<T>(sql: Sql, name: string, params: unknown[] = []): Promise<T[]> {
  return (await sql.unsafe(packagedSql(`doctor/${name}.sql`), params as never[])) as unknown as T[];
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
const ok = (verdict: string, extra: Partial<CheckResult> = {}) => ({
  status: 'ok' as const,
  verdict,
  hint: null,
  value: null,
  threshold: null,
  unit: 'count' as const,
  details: [],
  ...extra,
});
const skipped = (verdict: string, hint: string | null = null) => ({
  status: 'skipped' as const,
  verdict,
  hint,
  value: null,
  threshold: null,
  unit: 'count' as const,
  details: [],
});

const connections: Check = async ({ sql, config }) => {
  const rows = await query<{
    scope: string;
    role_name: string | null;
    used: number;
    max_allowed: number;
    reserved: number;
  }>(sql, 'connections');
  const limit = config.connections.maxUsedRatio;
  const server = rows.find((r) => r.scope === 'server')!;
  const ratio = server.used / server.max_allowed;
  const over = rows.filter((r) => r.used / r.max_allowed > limit);
  const details = over.map((r) =>
    r.scope === 'server'
      ? `server: ${r.used} of max_connections ${r.max_allowed} (${pct(r.used / r.max_allowed)})`
      : `role ${r.role_name}: ${r.used} of its CONNECTION LIMIT ${r.max_allowed} (${pct(r.used / r.max_allowed)})`,
  );
  const worst = Math.max(ratio, ...rows.map((r) => r.used / r.max_allowed));
  if (!over.length)
    return ok(`${server.used} of ${server.max_allowed} connections in use (${pct(ratio)}; alert above ${pct(limit)})`, {
      value: worst,
      threshold: limit,
      unit: 'ratio',
    });
  return {
    status: 'alert',
    verdict: `${details[0]}${over.length > 1 ? ` and ${over.length - 1} more` : ''}: above ${pct(limit)}`,
    hint: "Connect through a pooler (Supavisor, PgBouncer) in transaction mode, lower the app's pool size, or end idle sessions; raise the limit only with the memory to back it.",
    value: worst,
    threshold: limit,
    unit: 'ratio',
    details,
  };
};

const cacheHitRatio: Check = async ({ sql, config }) => {
  const [row] = await query<{ hit: string; read: string }>(sql, 'cache_hit_ratio');
  const hit = Number(row?.hit ?? 0);
  const read = Number(row?.read ?? 0);
  const total = hit + read;
  const { min, minBlocks } = config.cacheHitRatio;
  if (total < minBlocks)
    return {
      ...ok(`not judged yet: ${total} block accesses since the statistics began (needs ${minBlocks})`),
      threshold: min,
      unit: 'ratio' as const,
    };
  const ratio = hit / total;
  if (ratio >= min)
    return ok(`${pct(ratio)} of block reads served from memory (alert below ${pct(min)})`, {
      value: ratio,
      threshold: min,
      unit: 'ratio',
    });
  return {
    status: 'alert',
    verdict: `only ${pct(ratio)} of block reads served from memory (alert below ${pct(min)}): queries wait on disk`,
    hint: 'Find the queries that read most (pg_stat_statements shared_blks_read), add the index they lack, or give the server more memory (a bigger compute size on Supabase).',
    value: ratio,
    threshold: min,
    unit: 'ratio',
    details: [],
  };
};

interface SessionRow {
  pid: number;
  usename: string;
  application_name: string;
  state: string | null;
  xact_ms: string | null;
  query_ms: string | null;
  state_ms: string | null;
  query: string;
}

const describeSession = (s: SessionRow, ms: number, what: string) =>
  `pid ${s.pid} (${s.usename}${s.application_name ? `, ${s.application_name}` : ''}): ${what} for ${formatDuration(ms)}: ${s.query}`;

const longTransactions: Check = async ({ sql, config }) => {
  const rows = await query<SessionRow>(sql, 'sessions');
  const max = config.longTransactions.maxAge;
  const long = rows
    .map((s) => {
      const xact = s.xact_ms === null ? 0 : Number(s.xact_ms);
      const stmt = s.state === 'active' && s.query_ms !== null ? Number(s.query_ms) : 0;
      return {
        s,
        ms: Math.max(xact, stmt),
        what: stmt > 0 && stmt >= xact - 50 ? 'statement running' : 'transaction open',
      };
    })
    .filter((x) => x.ms > max)
    .sort((a, b) => b.ms - a.ms);
  const oldest = long[0]?.ms ?? Math.max(0, ...rows.map((s) => Number(s.xact_ms ?? 0)));
  if (!long.length)
    return ok(`no transaction or statement older than ${formatDuration(max)} (oldest ${formatDuration(oldest)})`, {
      value: oldest,
      threshold: max,
      unit: 'ms',
    });
  return {
    status: 'alert',
    verdict: `${long.length} session(s) with a transaction or statement older than ${formatDuration(max)} (oldest ${formatDuration(oldest)})`,
    hint: 'A long transaction holds back VACUUM everywhere and blocks DDL: find its owner; end it with SELECT pg_cancel_backend(pid) (the statement) or pg_terminate_backend(pid) (the session); set statement_timeout for the role.',
    value: oldest,
    threshold: max,
    unit: 'ms',
    details: long.map((x) => describeSession(x.s, x.ms, x.what)),
  };
};

const idleInTransaction: Check = async ({ sql, config }) => {
  const rows = await query<SessionRow>(sql, 'sessions');
  const max = config.idleInTransaction.maxAge;
  const idle = rows
    .filter((s) => s.state?.startsWith('idle in transaction'))
    .map((s) => ({ s, ms: Number(s.state_ms ?? 0) }));
  const over = idle.filter((x) => x.ms > max).sort((a, b) => b.ms - a.ms);
  const longest = Math.max(0, ...idle.map((x) => x.ms));
  if (!over.length)
    return ok(
      `no session idle in a transaction longer than ${formatDuration(max)}${idle.length ? ` (${idle.length} idle, longest ${formatDuration(longest)})` : ''}`,
      { value: longest, threshold: max, unit: 'ms' },
    );
  return {
    status: 'alert',
    verdict: `${over.length} session(s) idle inside an open transaction for more than ${formatDuration(max)} (longest ${formatDuration(longest)})`,
    hint: 'An app opened a transaction and forgot it (a missing COMMIT, an await between BEGIN and COMMIT): fix the code path; meanwhile set idle_in_transaction_session_timeout for the role.',
    value: longest,
    threshold: max,
    unit: 'ms',
    details: over.map((x) => describeSession(x.s, x.ms, x.s.state ?? 'idle in transaction')),
  };
};

const blockedLocks: Check = async ({ sql, config }) => {
  const rows = await query<{
    pid: number;
    usename: string;
    blocked_by: number[];
    waiting_ms: string;
    query: string;
    blocker_query: string | null;
  }>(sql, 'blocked_locks');
  const max = config.blockedLocks.maxWait;
  const over = rows.filter((r) => Number(r.waiting_ms) > max);
  const longest = Math.max(0, ...rows.map((r) => Number(r.waiting_ms)));
  if (!over.length)
    return ok(
      `no session waiting for a lock longer than ${formatDuration(max)}${rows.length ? ` (${rows.length} waiting, longest ${formatDuration(longest)})` : ''}`,
      { value: longest, threshold: max, unit: 'ms' },
    );
  return {
    status: 'alert',
    verdict: `${over.length} session(s) blocked on a lock for more than ${formatDuration(max)} (longest ${formatDuration(longest)})`,
    hint: 'Look at the blocker (often a long transaction or a DDL statement waiting in the queue); end it with pg_cancel_backend(pid); run DDL with a short lock_timeout (dreamdb migrate does).',
    value: longest,
    threshold: max,
    unit: 'ms',
    details: over.map(
      (r) =>
        `pid ${r.pid} waiting ${formatDuration(Number(r.waiting_ms))} behind pid ${r.blocked_by.join(', ')} (${r.blocker_query ?? '?'}): ${r.query}`,
    ),
  };
};

const replicationSlots: Check = async ({ sql, config }) => {
  const rows = await query<{
    slot_name: string;
    slot_type: string;
    database: string | null;
    active: boolean;
    wal_status: string | null;
    retained_bytes: string | null;
  }>(sql, 'replication_slots');
  const { maxRetainedWal, alertInactive } = config.replicationSlots;
  const worst = Math.max(0, ...rows.map((r) => Number(r.retained_bytes ?? 0)));
  const bad = rows.filter(
    (r) =>
      (alertInactive && !r.active) ||
      Number(r.retained_bytes ?? 0) > maxRetainedWal ||
      r.wal_status === 'lost' ||
      r.wal_status === 'unreserved',
  );
  if (!bad.length)
    return ok(
      rows.length
        ? `${rows.length} slot(s), all consumed; the most WAL held back is ${formatBytes(worst)} (alert above ${formatBytes(maxRetainedWal)})`
        : 'no replication slots',
      { value: worst, threshold: maxRetainedWal, unit: 'bytes' },
    );
  return {
    status: 'alert',
    verdict: `${bad.length} replication slot(s) inactive or holding back too much WAL (up to ${formatBytes(worst)}; alert above ${formatBytes(maxRetainedWal)}): the disk fills until they are consumed or dropped`,
    hint: "Restart the consumer (Supabase Realtime, a CDC tool, a replica); if it is gone for good, SELECT pg_drop_replication_slot('<name>'). Set max_slot_wal_keep_size to cap the damage.",
    value: worst,
    threshold: maxRetainedWal,
    unit: 'bytes',
    details: bad.map(
      (r) =>
        `${r.slot_name} (${r.slot_type}${r.database ? `, database ${r.database}` : ''}): ${r.active ? 'active' : 'inactive'}, holds ${r.retained_bytes === null ? 'no' : formatBytes(Number(r.retained_bytes))} WAL${r.wal_status ? `, wal_status ${r.wal_status}` : ''}`,
    ),
  };
};

const partitionHorizon: Check = async ({ sql, config }) => {
  const { tables, yearsAhead } = config.partitions;
  const details: string[] = [];
  const notes: string[] = [];
  const [{ today }] = (await sql<{ today: string }[]>`select current_date::text as today`) as unknown as [
    { today: string },
  ];
  const year = Number(today.slice(0, 4));
  const required = `${year + yearsAhead + 1}-01-01`;
  let minDays = Infinity;
  const reach: string[] = [];
  for (const table of tables) {
    const [r] = await query<{
      found: boolean;
      ranged: boolean | null;
      has_default: boolean | null;
      partitions: number;
      covered_until: string | null;
    }>(sql, 'partition_horizon', [table]);
    if (!r?.found) {
      notes.push(`${table} does not exist`);
      continue;
    }
    if (!r.ranged) {
      notes.push(`${table} is not range-partitioned`);
      continue;
    }
    const until = r.has_default || r.covered_until === 'infinity' ? 'infinity' : (r.covered_until ?? today);
    const days = until === 'infinity' ? Infinity : Math.round((Date.parse(until) - Date.parse(today)) / 86_400_000);
    minDays = Math.min(minDays, days);
    reach.push(
      until === 'infinity'
        ? `${table} takes any date (${r.has_default ? 'default partition' : 'range to MAXVALUE'})`
        : `${table} up to ${until} (${days} days ahead)`,
    );
    if (until !== 'infinity' && until < required) {
      details.push(
        `${table}: rows dated ${until} or later have no partition (needs partitions up to ${required}, ${yearsAhead} year(s) ahead)`,
      );
    } else if (r.has_default) {
      notes.push(
        `${table} has a default partition: rows beyond its yearly partitions land there, and every future ATTACH must scan it`,
      );
    }
  }
  if (!reach.length)
    return skipped(
      `nothing to check: ${notes.join('; ')}`,
      'Set doctor.partitions.tables to your range-partitioned tables.',
    );
  const value = Number.isFinite(minDays) ? minDays : null;
  const threshold = Math.round((Date.parse(required) - Date.parse(today)) / 86_400_000);
  const horizon = `required: up to ${required}, ${threshold} days ahead (doctor.partitions.yearsAhead ${yearsAhead})`;
  if (!details.length)
    return ok(`partitions reach ${reach.join(', ')}; ${horizon}${notes.length ? `; ${notes.join('; ')}` : ''}`, {
      value,
      threshold,
      unit: 'days',
    });
  return {
    status: 'alert',
    verdict: `partition horizon too short: ${details[0]}`,
    hint: 'Run `dreamdb partitions rotate` (or CALL dreamdb.rotate_metrics_partitions() from pg_cron); inserts past the last partition fail.',
    value,
    threshold,
    unit: 'days',
    details,
  };
};

const migrations: Check = async ({ sql, migrations: settings, cwd }) => {
  let result: Awaited<ReturnType<typeof inspect>>;
  try {
    result = await inspect(sql, settings, { cwd });
  } catch (error) {
    return skipped(
      `cannot read the migration files: ${(error as Error).message}`,
      'Run doctor from the project directory (or set migrations.dir).',
    );
  }
  const { plan } = result;
  const pending = plan.pending.length + plan.partial.length;
  const changed = plan.changed.length;
  const details = [
    ...plan.pending.map((f) => `pending ${f.version}_${f.name}`),
    ...plan.changed.map(
      (c) => `changed ${c.file.version}_${c.file.name} (applied with sha256 ${c.recorded.checksum.slice(0, 12)}…)`,
    ),
    ...plan.unknown.map((r) => `in the database but not in ${settings.dir}: ${r.version}_${r.name}`),
  ];
  if (!pending && !changed)
    return ok(
      `${plan.applied.length} migration(s) applied, none pending or changed${plan.unknown.length ? `; ${plan.unknown.length} applied without a file here` : ''}`,
      { value: 0, threshold: 0, details: plan.unknown.length ? details : [] },
    );
  return {
    status: 'alert',
    verdict: `${pending} pending and ${changed} changed migration(s)`,
    hint: changed
      ? 'An applied file was edited: restore it (git checkout -- <file>) and put the change in a new migration.'
      : 'Run `dreamdb migrate`.',
    value: pending + changed,
    threshold: 0,
    unit: 'count',
    details,
  };
};

const rlsDisabled: Check = async ({ sql, config }) => {
  const rows = await query<{ schema: string; name: string; partition: boolean; api_roles: string[] | null }>(
    sql,
    'rls_disabled',
    [config.rls.schemas],
  );
  const exposed = rows.filter((r) => !r.partition || (r.api_roles?.length ?? 0) > 0);
  if (!exposed.length)
    return ok(`every table in ${config.rls.schemas.join(', ')} has row level security enabled`, {
      value: 0,
      threshold: 0,
    });
  return {
    status: 'alert',
    verdict: `${exposed.length} table(s) in the API's schemas without row level security: ${exposed
      .slice(0, 3)
      .map((r) => `${r.schema}.${r.name}`)
      .join(', ')}${exposed.length > 3 ? ', ...' : ''}`,
    hint: 'ALTER TABLE <table> ENABLE ROW LEVEL SECURITY in a migration, with policies for what the app needs; then `dreamdb audit-rls`.',
    value: exposed.length,
    threshold: 0,
    unit: 'count',
    details: exposed.map(
      (r) =>
        `${r.schema}.${r.name}${r.partition ? ' (a partition' : ''}${r.api_roles?.length ? `${r.partition ? ', ' : ' ('}reachable by ${r.api_roles.join(', ')})` : r.partition ? ')' : ''}`,
    ),
  };
};

const unusedIndexes: Check = async ({ sql, config }) => {
  const rows = await query<{ schema: string; table_name: string; index_name: string; bytes: string }>(
    sql,
    'unused_indexes',
    [config.unusedIndexes.minSize],
  );
  if (!rows.length)
    return ok(`no unused index of ${formatBytes(config.unusedIndexes.minSize)} or more`, { value: 0, threshold: 0 });
  const total = rows.reduce((s, r) => s + Number(r.bytes), 0);
  return {
    status: 'alert',
    verdict: `${rows.length} index(es) never scanned since statistics were reset, ${formatBytes(total)} in all`,
    hint: 'Confirm on the primary and every replica (statistics are per server) over a full business cycle, then DROP INDEX CONCURRENTLY in a migration.',
    value: rows.length,
    threshold: 0,
    unit: 'count',
    details: rows.map((r) => `${r.schema}.${r.index_name} on ${r.table_name}: ${formatBytes(Number(r.bytes))}`),
  };
};

const duplicateIndexes: Check = async ({ sql }) => {
  const rows = await query<{ schema: string; table_name: string; indexes: string[]; bytes: string }>(
    sql,
    'duplicate_indexes',
  );
  if (!rows.length) return ok('no duplicate indexes', { value: 0, threshold: 0 });
  return {
    status: 'alert',
    verdict: `${rows.length} set(s) of identical indexes: ${rows
      .map((r) => r.indexes.join(' = '))
      .slice(0, 2)
      .join('; ')}`,
    hint: 'Keep one (the unique or constraint one), DROP INDEX CONCURRENTLY the others in a migration.',
    value: rows.length,
    threshold: 0,
    unit: 'count',
    details: rows.map(
      (r) => `${r.schema}.${r.table_name}: ${r.indexes.join(', ')} (${formatBytes(Number(r.bytes))} together)`,
    ),
  };
};

const bloat: Check = async ({ sql, config }) => {
  const rows = await query<{ schema: string; table_name: string; bytes: string; wasted: string; ratio: number }>(
    sql,
    'bloat',
  );
  const { maxRatio, minWasted } = config.bloat;
  const over = rows.filter((r) => r.ratio > maxRatio && Number(r.wasted) >= minWasted);
  const worst = rows[0];
  if (!over.length)
    return ok(
      worst && Number(worst.wasted) > 0
        ? `no table over ${pct(maxRatio)} estimated bloat with ${formatBytes(minWasted)}+ wasted (most: ${worst.schema}.${worst.table_name}, ${formatBytes(Number(worst.wasted))})`
        : 'no measurable bloat',
      { value: Math.max(0, ...rows.map((r) => r.ratio)), threshold: maxRatio, unit: 'ratio' },
    );
  return {
    status: 'alert',
    verdict: `${over.length} table(s) with more than ${pct(maxRatio)} estimated dead space (${formatBytes(over.reduce((s, r) => s + Number(r.wasted), 0))} in all)`,
    hint: 'Make autovacuum keep up (lower autovacuum_vacuum_scale_factor for the table, end long transactions); reclaim the space with pg_repack (no long lock) rather than VACUUM FULL.',
    value: Math.max(...over.map((r) => r.ratio)),
    threshold: maxRatio,
    unit: 'ratio',
    details: over.map(
      (r) =>
        `${r.schema}.${r.table_name}: about ${formatBytes(Number(r.wasted))} of ${formatBytes(Number(r.bytes))} (${pct(r.ratio)}) is dead space`,
    ),
  };
};

const staleStatistics: Check = async ({ sql, config }) => {
  const { minRows, maxModifiedRatio } = config.staleStatistics;
  const rows = await query<{
    schema: string;
    table_name: string;
    live: string | null;
    modified: string | null;
    last_analyzed: Date | null;
    parent: boolean;
  }>(sql, 'stale_statistics', [minRows, maxModifiedRatio]);
  if (!rows.length)
    return ok(
      `planner statistics are current (alert when more than ${pct(maxModifiedRatio)} and ${minRows}+ rows changed since ANALYZE)`,
      { value: 0, threshold: 0 },
    );
  return {
    status: 'alert',
    verdict: `${rows.length} table(s) with stale planner statistics: ${rows
      .slice(0, 3)
      .map((r) => `${r.schema}.${r.table_name}`)
      .join(', ')}${rows.length > 3 ? ', ...' : ''}`,
    hint: 'ANALYZE them (autovacuum never analyzes a partitioned parent: schedule ANALYZE for it, as dreamdb partitions rotate does).',
    value: rows.length,
    threshold: 0,
    unit: 'count',
    details: rows.map((r) =>
      r.parent
        ? `${r.schema}.${r.table_name}: partitioned parent never analyzed (its partitions hold ~${r.live} rows)`
        : `${r.schema}.${r.table_name}: ${r.modified} of ~${r.live} rows changed since ${r.last_analyzed ? r.last_analyzed.toISOString() : 'ever (never analyzed)'}`,
    ),
  };
};

const slowStatements: Check = async ({ sql, config }) => {
  const [setup] = await query<{ loaded: boolean; schema: string | null }>(sql, 'slow_statements_setup');
  if (!setup?.loaded)
    return skipped(
      'pg_stat_statements is not loaded (shared_preload_libraries)',
      'Supabase loads it; elsewhere add it to shared_preload_libraries and restart, then CREATE EXTENSION pg_stat_statements.',
    );
  if (!setup.schema)
    return skipped(
      'pg_stat_statements is loaded but not created in this database',
      'CREATE EXTENSION pg_stat_statements (in schema extensions on Supabase).',
    );
  const { budget, minCalls, top } = config.slowStatements;
  const rows = await sql.begin(async (tx) => {
    await tx`select pg_catalog.set_config('search_path', ${setup.schema!}, true)`;
    return query<{ queryid: string; calls: string; mean_ms: number; max_ms: number; query: string }>(
      tx as unknown as Sql,
      'slow_statements',
      [minCalls, top],
    );
  });
  const slowest = rows[0]?.mean_ms ?? 0;
  const over = rows.filter((r) => r.mean_ms > budget);
  if (!over.length)
    return ok(
      rows.length
        ? `the slowest statement averages ${slowest} ms (budget ${budget} ms)`
        : `no statement called ${minCalls}+ times yet`,
      { value: slowest, threshold: budget, unit: 'ms' },
    );
  return {
    status: 'alert',
    verdict: `${over.length} statement(s) average more than the ${budget} ms budget (slowest ${slowest} ms)`,
    hint: "EXPLAIN (ANALYZE, BUFFERS) them as the app's role (`dreamdb audit-rls --only latency` does it as real users): look for sequential scans, per-row auth.uid() calls, missing indexes.",
    value: slowest,
    threshold: budget,
    unit: 'ms',
    details: over.map((r) => `${r.mean_ms} ms mean, ${r.max_ms} ms max, ${r.calls} calls: ${r.query}`),
  };
};

const invalidIndexes: Check = async ({ sql }) => {
  const rows = await query<{ schema: string; table_name: string; index_name: string; partitioned: boolean }>(
    sql,
    'invalid_indexes',
  );
  if (!rows.length) return ok('every index is valid', { value: 0, threshold: 0 });
  return {
    status: 'alert',
    verdict: `${rows.length} INVALID index(es), which queries never use: ${rows
      .slice(0, 3)
      .map((r) => `${r.schema}.${r.index_name}`)
      .join(', ')}${rows.length > 3 ? ', ...' : ''}`,
    hint: "DROP INDEX CONCURRENTLY and create it again in a migration (for a partitioned table: without ON ONLY, or attach every partition's index).",
    value: rows.length,
    threshold: 0,
    unit: 'count',
    details: rows.map(
      (r) =>
        `${r.schema}.${r.index_name} on ${r.table_name}${r.partitioned ? ' (partitioned: its partitions lack the index)' : ''}`,
    ),
  };
};

const notValidConstraints: Check = async ({ sql }) => {
  const rows = await query<{ schema: string; table_name: string; constraint_name: string; kind: string }>(
    sql,
    'not_valid_constraints',
  );
  if (!rows.length) return ok('every constraint is validated', { value: 0, threshold: 0 });
  return {
    status: 'alert',
    verdict: `${rows.length} constraint(s) NOT VALID: ${rows
      .slice(0, 3)
      .map((r) => `${r.schema}.${r.table_name}.${r.constraint_name}`)
      .join(', ')}${rows.length > 3 ? ', ...' : ''}`,
    hint: 'ALTER TABLE <table> VALIDATE CONSTRAINT <name> in a migration (it takes only SHARE UPDATE EXCLUSIVE); fix the rows it reports first.',
    value: rows.length,
    threshold: 0,
    unit: 'count',
    details: rows.map((r) => `${r.schema}.${r.table_name}: ${r.kind} ${r.constraint_name}`),
  };
};

export const CHECKS: { id: DoctorCheckId; title: string; run: Check }[] = [
  { id: 'connections', title: 'Connections', run: connections },
  { id: 'cache-hit-ratio', title: 'Cache hit ratio', run: cacheHitRatio },
  { id: 'long-transactions', title: 'Long transactions', run: longTransactions },
  { id: 'idle-in-transaction', title: 'Idle in transaction', run: idleInTransaction },
  { id: 'blocked-locks', title: 'Blocked locks', run: blockedLocks },
  { id: 'replication-slots', title: 'Replication slots', run: replicationSlots },
  { id: 'partition-horizon', title: 'Partition horizon', run: partitionHorizon },
  { id: 'migrations', title: 'Migrations', run: migrations },
  { id: 'rls-disabled', title: 'Row level security', run: rlsDisabled },
  { id: 'unused-indexes', title: 'Unused indexes', run: unusedIndexes },
  { id: 'duplicate-indexes', title: 'Duplicate indexes', run: duplicateIndexes },
  { id: 'bloat', title: 'Table bloat', run: bloat },
  { id: 'stale-statistics', title: 'Planner statistics', run: staleStatistics },
  { id: 'slow-statements', title: 'Slow statements', run: slowStatements },
  { id: 'invalid-indexes', title: 'Invalid indexes', run: invalidIndexes },
  { id: 'not-valid-constraints', title: 'NOT VALID constraints', run: notValidConstraints },
];
