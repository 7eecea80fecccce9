/**
 * Impersonation exactly as PostgREST runs a request (FACTS.md section 1): one transaction, the
 * role switched with a transaction-local set_config('role'), the JWT claims in
 * request.jwt.claims (transaction-local), the role's own statement_timeout, READ ONLY for reads.
 * Never a session-level SET ROLE: it would leak into the next use of a pooled connection.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from './connect.js';
import type postgres from 'postgres';

export type ApiRole = 'anon' | 'authenticated' | 'service_role';

export interface Actor {
  role: ApiRole;
  /** auth.users id, for authenticated users. */
  sub?: string;
  email?: string;
  /** Extra or overriding claims (e.g. from a custom access-token hook). */
  claims?: Record<string, unknown>;
}

/** The claims Supabase Auth (or the API keys, for anon and service_role) really mint. */
export function claimsFor(actor: Actor, now = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const base: Record<string, unknown> =
    actor.role === 'authenticated'
      ? {
          iss: 'http://127.0.0.1:54321/auth/v1',
          aud: 'authenticated',
          exp: now + 3600,
          iat: now,
          sub: actor.sub,
          email: actor.email ?? '',
          phone: '',
          app_metadata: { provider: 'email', providers: ['email'] },
          user_metadata: {},
          role: 'authenticated',
          aal: 'aal1',
          amr: [{ method: 'password', timestamp: now }],
          session_id: randomUUID(),
          is_anonymous: false,
        }
      : { iss: 'supabase-demo', role: actor.role, exp: now + 3600, iat: now };
  return { ...base, ...actor.claims };
}

export interface RequestOptions {
  readOnly?: boolean;
  method?: string;
  path?: string;
  /** statement_timeout for the role; looked up from the role's settings when omitted. */
  statementTimeout?: string;
}

const roleTimeouts = new WeakMap<object, Map<string, string>>();

/** The statement_timeout each API role has configured (Supabase: anon 3s, authenticated 8s). */
export async function roleStatementTimeout(sql: Sql, role: string): Promise<string> {
  let cache = roleTimeouts.get(sql);
  if (!cache) {
    cache = new Map();
    roleTimeouts.set(sql, cache);
    const rows = await sql<{ rolname: string; timeout: string }[]>`
      select r.rolname, split_part(c, '=', 2) as timeout
      from pg_db_role_setting s
      join pg_roles r on r.oid = s.setrole
      cross join unnest(s.setconfig) c
      where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
        and c like 'statement_timeout=%'
      order by s.setdatabase`;
    for (const row of rows) cache.set(row.rolname, row.timeout);
  }
  return cache.get(role) ?? '0';
}

/**
 * Runs fn in one transaction as the actor. The transaction commits when fn resolves unless
 * `rollback` is set (audits) — a rejected fn always rolls back.
 */
export async function asUser<T>(
  sql: Sql,
  actor: Actor,
  fn: (tx: postgres.TransactionSql<Record<string, unknown>>) => Promise<T>,
  options: RequestOptions & { rollback?: boolean } = {},
): Promise<T> {
  const timeout = options.statementTimeout ?? (await roleStatementTimeout(sql, actor.role));
  const claims = JSON.stringify(claimsFor(actor));
  let result: T | undefined;
  const rollback = new Error('dreamdb:rollback');
  try {
    await sql.begin(options.readOnly ? 'read only' : 'read write', async (tx) => {
      // Pipelined with fn's first query (one connection runs them in order). Safe: if the switch
      // failed, the transaction is aborted and nothing after it runs, as the superuser or at all.
      const impersonate = tx`select set_config('role', ${actor.role}, true),
                      set_config('request.jwt.claims', ${claims}, true),
                      set_config('request.method', ${options.method ?? (options.readOnly ? 'GET' : 'POST')}, true),
                      set_config('request.path', ${options.path ?? '/'}, true),
                      set_config('statement_timeout', ${timeout}, true)`.execute();
      [, result] = await Promise.all([impersonate, fn(tx)]);
      if (options.rollback) throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return result as T;
}
