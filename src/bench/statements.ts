/**
 * What the database itself spends per request type: pg_stat_statements counters read before and
 * after a run (this database's rows only, nothing reset), matched to the transactions' statement
 * texts; and each request type timed inside the server (a loop in a pg_temp function: role and
 * claims set per call, the statement run from a prepared statement, clock_timestamp() around it),
 * so "at the database" means without network, driver or harness.
 */
import type { Sql } from '../db/connect.js';
import { packagedSql } from '../db/queries.js';
import { quoteIdent } from '../db/quote.js';
import { summarize, type Summary } from './stats.js';
import { paramValue, type BenchTransaction, type Subject } from './transactions.js';

interface Counters {
  query: string;
  calls: number;
  execMs: number;
  planMs: number;
  rows: number;
  hit: number;
  read: number;
}

export type StatementSnapshot = Map<string, Counters> | { unavailable: string };

export async function statementSnapshot(sql: Sql): Promise<StatementSnapshot> {
  const [setup] = await sql<{ loaded: boolean; schema: string | null }[]>`
    select current_setting('shared_preload_libraries') ~ '(^|,)\\s*pg_stat_statements\\s*(,|$)' as loaded,
           (select e.extnamespace::regnamespace::text from pg_catalog.pg_extension e where e.extname = 'pg_stat_statements') as schema`;
  if (!setup!.loaded) return { unavailable: 'pg_stat_statements is not in shared_preload_libraries' };
  if (!setup!.schema) return { unavailable: 'pg_stat_statements is not created in this database' };
  const rows = await sql.unsafe<
    { id: string; query: string; calls: number; exec: number; plan: number; rows: number; hit: number; read: number }[]
  >(`
    select s.queryid::text || ':' || s.userid::text as id, s.query, s.calls::float8 as calls, s.total_exec_time as exec,
           s.total_plan_time as plan, s.rows::float8 as rows, s.shared_blks_hit::float8 as hit, s.shared_blks_read::float8 as read
    from ${quoteIdent(setup!.schema)}.pg_stat_statements s
    where s.dbid = (select oid from pg_catalog.pg_database where datname = current_database())`);
  return new Map(
    rows.map((r) => [
      r.id,
      { query: r.query, calls: r.calls, execMs: r.exec, planMs: r.plan, rows: r.rows, hit: r.hit, read: r.read },
    ]),
  );
}

export interface StatementCost {
  calls: number;
  /** Mean execution (and planning) time per call, ms. */
  meanExecMs: number;
  meanPlanMs: number;
  rowsPerCall: number;
  /** Shared buffers touched per call (hit + read), and how many of those came from outside shared_buffers. */
  buffersPerCall: number;
  readsPerCall: number;
}

export interface TypeCost {
  name: string;
  /** The request's own statement. */
  query: StatementCost | null;
  /** BEGIN + the impersonation + COMMIT, per request. */
  overheadMeanMs: number | null;
  /** All four statements, per request: the database's share of the request's latency. */
  totalMeanMs: number | null;
}

/**
 * pg_stat_statements stores statements with their constants replaced by $n: both sides are
 * compared with every literal and parameter as `?` (so the impersonation statements of all
 * request types, which differ only in their path literal, are one entry, as they are there).
 */
export function statementShape(text: string): string {
  return text
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+/g, '?')
    .replace(/\b(?:true|false)\b/gi, '?')
    .replace(/(?<![\w$])\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const normalize = statementShape;

/** The difference between two snapshots, per transaction. */
export function costPerType(
  before: StatementSnapshot,
  after: StatementSnapshot,
  transactions: readonly BenchTransaction[],
): TypeCost[] | { unavailable: string } {
  if (!(before instanceof Map)) return before;
  if (!(after instanceof Map)) return after;
  const byText = new Map<string, Counters>();
  for (const [id, a] of after) {
    const b = before.get(id);
    const d: Counters = {
      query: a.query,
      calls: a.calls - (b?.calls ?? 0),
      execMs: a.execMs - (b?.execMs ?? 0),
      planMs: a.planMs - (b?.planMs ?? 0),
      rows: a.rows - (b?.rows ?? 0),
      hit: a.hit - (b?.hit ?? 0),
      read: a.read - (b?.read ?? 0),
    };
    if (d.calls <= 0) continue;
    const key = normalize(a.query);
    const sum = byText.get(key);
    if (!sum) byText.set(key, d);
    else for (const k of ['calls', 'execMs', 'planMs', 'rows', 'hit', 'read'] as const) sum[k] += d[k];
  }
  const cost = (text: string | null): StatementCost | null => {
    const c = text ? byText.get(normalize(text)) : undefined;
    if (!c) return null;
    return {
      calls: c.calls,
      meanExecMs: c.execMs / c.calls,
      meanPlanMs: c.planMs / c.calls,
      rowsPerCall: c.rows / c.calls,
      buffersPerCall: (c.hit + c.read) / c.calls,
      readsPerCall: c.read / c.calls,
    };
  };
  // BEGIN and COMMIT are shared by every transaction type: their mean per call applies to each.
  const begin = (t: BenchTransaction) => cost(t.begin);
  const commit = cost('commit');
  return transactions.map((t) => {
    const query = cost(t.query);
    const imp = cost(t.impersonate);
    const b = begin(t);
    const parts = t.begin ? [b, imp, commit] : [];
    const overhead = parts.every(Boolean) ? parts.reduce((a, p) => a + p!.meanExecMs + p!.meanPlanMs, 0) : null;
    return {
      name: t.name,
      query,
      overheadMeanMs: t.begin ? overhead : 0,
      totalMeanMs: query && overhead !== null ? query.meanExecMs + query.meanPlanMs + overhead : null,
    };
  });
}

export interface AtDatabase {
  name: string;
  calls: number;
  latency: Summary;
  errors: number;
  error?: string;
}

/**
 * Each transaction's statement timed inside the server, `iterations` calls over the subjects, as
 * the subject (role and claims set per call, READ ONLY for reads), on one connection. Everything
 * runs in a transaction that is rolled back: writes leave nothing.
 */
export async function timeAtDatabase(
  sql: Sql,
  transactions: readonly BenchTransaction[],
  subjects: readonly Subject[],
  iterations: number,
): Promise<AtDatabase[]> {
  const timingFunction = packagedSql('bench/time_statement.sql');
  const out: AtDatabase[] = [];
  const reserved = await sql.reserve();
  try {
    await reserved.unsafe(timingFunction);
    for (const t of transactions) {
      const args = subjects.map((s) => t.params.map((p) => paramValue(p, s)));
      const claims = subjects.map((s) => s.claims);
      try {
        await reserved.unsafe(`begin${t.readOnly ? ' read only' : ''}`);
        const [r] = await reserved<{ ms: number[] }[]>`
          select pg_temp.dreamdb_bench_time(${t.query}, ${t.params.length}, ${reserved.json(args as never)}::jsonb, ${claims}::text[], ${iterations}) as ms`;
        out.push({ name: t.name, calls: r!.ms.length, latency: summarize(r!.ms), errors: 0 });
      } catch (error) {
        const e = error as { code?: string; message?: string };
        out.push({
          name: t.name,
          calls: 0,
          latency: summarize([]),
          errors: 1,
          error: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`,
        });
      } finally {
        await reserved.unsafe('rollback');
      }
    }
  } finally {
    await reserved
      .unsafe('drop function if exists pg_temp.dreamdb_bench_time(text, integer, jsonb, text[], integer)')
      .catch(() => {});
    reserved.release();
  }
  return out;
}
