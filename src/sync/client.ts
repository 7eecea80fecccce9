/**
 * The app's side of the sync protocol (docs/sync.md): sync_pull and sync_push called exactly as
 * PostgREST calls an RPC for a signed-in artist. Used by the sync bench and the tests.
 */
import type postgres from 'postgres';
import type { Sql } from '../db/connect.js';
import { claimsFor, type Actor } from '../db/impersonate.js';
import { quoteLiteral } from '../db/quote.js';

export type SyncRow = Record<string, unknown> & { id: string; version?: number };

export interface TableChanges {
  created: SyncRow[];
  updated: SyncRow[];
  deleted: string[];
}

export interface PullPage {
  changes: Record<string, TableChanges>;
  cursor: string;
  has_more: boolean;
  timestamp: number;
}

export type MutationOp = 'insert' | 'update' | 'delete';

export interface Mutation {
  /** The client mutation id: the same on every retry of this mutation. */
  id: string;
  table: string;
  op: MutationOp;
  row_id: string;
  /** The version the edit was made on (update, delete). */
  base_version?: number;
  values?: Record<string, unknown>;
}

export interface MutationResult {
  id: string;
  status: 'applied' | 'rejected';
  reason: string | null;
  version: number | null;
  replayed: boolean;
}

export function artistActor(sub: string): Actor {
  return { role: 'authenticated', sub };
}

/**
 * One RPC as one PostgREST-shaped transaction, sent as one simple-protocol round trip: BEGIN,
 * the role and claims (transaction-local), the call, COMMIT. Not postgres.js's sql.begin: when
 * the connection drops inside it, its ROLLBACK is written to the dead socket and crashes the
 * process from a setImmediate (porsager/postgres#1208, open in 3.4.9), which a client on a flaky
 * network meets all the time. A cut connection rejects this one query instead; the next query
 * reconnects.
 */
async function rpc<T>(sql: Sql, actor: Actor, call: string, readOnly: boolean, path: string): Promise<T> {
  const claims = JSON.stringify(claimsFor(actor));
  const text = `begin${readOnly ? ' read only' : ''};
select set_config('role', ${quoteLiteral(actor.role)}, true), set_config('request.jwt.claims', ${quoteLiteral(claims)}, true),
       set_config('request.method', ${quoteLiteral(readOnly ? 'GET' : 'POST')}, true), set_config('request.path', ${quoteLiteral(path)}, true),
       set_config('statement_timeout', '8s', true);
select ${call} as out;
commit;`;
  // The four statements must share one connection: reserve one of a pool. A one-connection
  // client is used directly (postgres.js's reserve never resolves on a fresh connection opened
  // with fetch_types off, which the bench's devices use).
  const pooled = (sql.options as { max?: number }).max !== 1;
  const conn = pooled ? await sql.reserve() : (sql as unknown as postgres.ReservedSql);
  try {
    const results = (await conn.unsafe(text).simple()) as unknown as { out: T }[][];
    return results[2]![0]!.out;
  } catch (error) {
    // A server error leaves the transaction aborted on a live connection: end it.
    if ((error as { severity?: string }).severity)
      await conn
        .unsafe('rollback')
        .simple()
        .catch(() => {});
    throw error;
  } finally {
    if (pooled) conn.release();
  }
}

/** The same transaction with nothing in it (`select 1`): the bench's baseline round trip. */
export async function emptyRpc(sql: Sql, actor: Actor): Promise<number> {
  return rpc<number>(sql, actor, '1', true, '/rest/v1/rpc/ping');
}

/** One page of the artist's changes after cursor (null: from the beginning). */
export async function syncPull(sql: Sql, actor: Actor, cursor: string | null, limit?: number): Promise<PullPage> {
  const call = `public.sync_pull(${cursor === null ? 'null' : quoteLiteral(cursor)}, ${limit === undefined ? 'null' : String(Math.trunc(limit))}::int)`;
  return rpc<PullPage>(sql, actor, call, true, '/rest/v1/rpc/sync_pull');
}

/** Pages until has_more is false; returns every page and the final cursor. */
export async function syncPullAll(
  sql: Sql,
  actor: Actor,
  cursor: string | null,
  limit?: number,
): Promise<{ pages: PullPage[]; cursor: string }> {
  const pages: PullPage[] = [];
  let at = cursor;
  for (;;) {
    const page = await syncPull(sql, actor, at, limit);
    pages.push(page);
    at = page.cursor;
    if (!page.has_more) return { pages, cursor: at };
  }
}

export async function syncPush(sql: Sql, actor: Actor, mutations: Mutation[]): Promise<MutationResult[]> {
  const out = await rpc<{ results: MutationResult[] }>(
    sql,
    actor,
    `public.sync_push(${quoteLiteral(JSON.stringify(mutations))}::jsonb)`,
    false,
    '/rest/v1/rpc/sync_push',
  );
  return out.results;
}
