/**
 * The transactions both load engines send, as text: the Node harness (src/bench/engine.ts) and
 * pgbench (src/bench/pgbench.ts) run exactly these statements, with the same parameters, so their
 * ceilings compare.
 *
 * A request is what PostgREST sends for one HTTP call: BEGIN (READ ONLY for GET), one statement
 * that switches role and sets the claims, method, path and the role's statement_timeout
 * (transaction-local set_config, never SET ROLE), the query, COMMIT. The claims are the one
 * parameter of the impersonation statement; the query's parameters come from the subject.
 */
import { claimsFor } from '../db/impersonate.js';
import { quoteLiteral } from '../db/quote.js';
import type { Param } from './mix.js';
import type { PlannedRequest } from './workload.js';
import type { BenchArtist } from './workload.js';

export const PLATFORMS = ['instagram', 'spotify', 'youtube', 'tiktok', 'apple_music'] as const;

/** One signed-in artist as the engines use it: everything a request's parameters need. */
export interface Subject {
  artistId: string;
  /** The JWT claims as JSON text (fixed for the run, like a session's token). */
  claims: string;
  platform: string;
  /** One of the artist's unread notifications / pending tasks (NO_ROW when it has none: the write touches nothing). */
  notificationId: string;
  taskId: string;
}

export interface BenchTransaction {
  name: string;
  weight: number;
  readOnly: boolean;
  /** BEGIN …; null for a bare statement outside a transaction (the select-1 ceiling). */
  begin: string | null;
  /** The impersonation statement: $1 is the claims. Null for a bare statement. */
  impersonate: string | null;
  /** The request's statement, $1… from `params`. */
  query: string;
  params: Param[];
}

export function impersonationSql(readOnly: boolean, path: string, statementTimeout: string): string {
  return (
    `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true), ` +
    `set_config('request.method', ${quoteLiteral(readOnly ? 'GET' : 'PATCH')}, true), set_config('request.path', ${quoteLiteral(path)}, true), ` +
    `set_config('statement_timeout', ${quoteLiteral(statementTimeout)}, true)`
  );
}

export function beginSql(readOnly: boolean): string {
  return `begin isolation level read committed${readOnly ? ' read only' : ''}`;
}

/** The mix's requests as transactions, with the role's statement_timeout as Supabase sets it. */
export function buildTransactions(requests: readonly PlannedRequest[], statementTimeout: string): BenchTransaction[] {
  return requests.map((r) => ({
    name: r.name,
    weight: r.weight,
    readOnly: r.readOnly,
    begin: beginSql(r.readOnly),
    impersonate: impersonationSql(r.readOnly, `/${r.name}`, statementTimeout),
    query: r.sql,
    params: r.params,
  }));
}

/** `select 1` alone: the ceiling of any client on this connection count. */
export function selectOneTransaction(): BenchTransaction {
  return { name: 'select_1', weight: 1, readOnly: true, begin: null, impersonate: null, query: 'select 1', params: [] };
}

/** An impersonated read-only request doing `select 1`: the floor of every PostgREST request. */
export function emptyRequestTransaction(statementTimeout: string): BenchTransaction {
  return {
    name: 'empty_request',
    weight: 1,
    readOnly: true,
    begin: beginSql(true),
    impersonate: impersonationSql(true, '/', statementTimeout),
    query: 'select 1',
    params: [],
  };
}

/**
 * Up to `limit` subjects, spread over the artists (every k-th), preferring artists that have an
 * unread notification and a pending task so the writes touch a row of their own.
 */
export function pickSubjects(
  artists: readonly BenchArtist[],
  limit: number,
  now = Math.floor(Date.now() / 1000),
): Subject[] {
  const withIds = artists.filter((a) => a.notifications.length && a.tasks.length);
  const pool = withIds.length >= Math.min(limit, artists.length) ? withIds : artists;
  const step = Math.max(1, Math.floor(pool.length / limit));
  const out: Subject[] = [];
  for (let i = 0; i < pool.length && out.length < limit; i += step) {
    const a = pool[i]!;
    out.push({
      artistId: a.id,
      claims: JSON.stringify(claimsFor({ role: 'authenticated', sub: a.id, email: a.email }, now)),
      platform: PLATFORMS[out.length % PLATFORMS.length]!,
      notificationId: a.notifications[0] ?? NO_ROW,
      taskId: a.tasks[0] ?? NO_ROW,
    });
  }
  return out;
}

export const NO_ROW = '00000000-0000-0000-0000-000000000000';

export function paramValue(p: Param, s: Subject): string {
  if (p === 'artist_id') return s.artistId;
  if (p === 'platform') return s.platform;
  if (p === 'notification_id') return s.notificationId;
  return s.taskId;
}

/** Integer weights for pgbench's `-f file@weight` and the harness's picker (same proportions). */
export function integerWeights(transactions: readonly BenchTransaction[]): number[] {
  const ws = transactions.map((t) => t.weight);
  for (let scale = 1; scale <= 1_000_000; scale *= 10) {
    if (ws.every((w) => Number.isInteger(w * scale))) return ws.map((w) => Math.max(1, Math.round(w * scale)));
  }
  return ws.map((w) => Math.max(1, Math.round(w * 1000)));
}
