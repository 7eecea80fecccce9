/**
 * Probes as PostgREST would run them, inside the audit's one outer transaction (which is always
 * rolled back). Each probe is a savepoint: role and JWT claims set transaction-locally with
 * set_config, the role's statement_timeout, the probe, then ROLLBACK TO SAVEPOINT. A savepoint
 * rollback reverts those settings, and they are also restored explicitly so no probe can leak its
 * identity into the next. READ ONLY cannot be set inside a subtransaction: reads rely on the
 * rollback instead.
 */
import type postgres from 'postgres';
import { claimsFor, type ApiRole } from '../db/impersonate.js';
import { isPgError } from '../db/sqlfile.js';
import { literal } from './sqlfiles.js';

export type TxSql = postgres.TransactionSql<Record<string, unknown>>;

export interface AuditActor {
  /** `artist_a`, `anon`, `service_role`. */
  key: string;
  role: ApiRole;
  /** auth.users id (artists). */
  sub?: string;
  email?: string;
  /** The statement_timeout PostgREST's role would run with. */
  statementTimeout: string;
  /** JWT claims as sent in request.jwt.claims. */
  claims: string;
  /** request.headers as PostgREST sends them (JSON text). */
  headers?: string;
}

export type ProbeResult<T> =
  { ok: true; value: T } | { ok: false; code: string; message: string; where?: string; detail?: string };

export interface ProbeOptions {
  /** Statements run as the audit's own role inside the savepoint, before switching (set-up). */
  prepare?: (tx: TxSql) => Promise<void>;
  method?: string;
}

const RESTORE = `select set_config('role', 'none', true), set_config('request.jwt.claims', '', true),
  set_config('request.method', '', true), set_config('request.path', '', true), set_config('request.headers', '', true)`;

export function makeActor(
  key: string,
  role: ApiRole,
  statementTimeout: string,
  extraClaims: Record<string, unknown>,
  user?: { sub: string; email: string },
): AuditActor {
  const claims = claimsFor({
    role,
    ...(user ? { sub: user.sub, email: user.email } : {}),
    claims: role === 'authenticated' ? extraClaims : {},
  });
  return {
    key,
    role,
    statementTimeout,
    claims: JSON.stringify(claims),
    ...(user ? { sub: user.sub, email: user.email } : {}),
  };
}

export class ProbeSession {
  /** Statements sent, for the bench and the report. */
  probes = 0;
  constructor(readonly tx: TxSql) {}

  private switchTo(actor: AuditActor, method: string): string {
    return `select set_config('role', ${literal(actor.role)}, true),
      set_config('request.jwt.claims', ${literal(actor.claims)}, true),
      set_config('request.method', ${literal(method)}, true),
      set_config('request.path', '/', true),
      set_config('request.headers', ${literal(actor.headers ?? '{}')}, true),
      set_config('statement_timeout', ${literal(actor.statementTimeout)}, true)`;
  }

  /**
   * Runs fn as the actor in a savepoint that is always rolled back. A Postgres error becomes
   * {ok: false, code}; `after` (run back as the audit's role, still inside the savepoint) sees
   * what fn changed before it is rolled back.
   */
  async as<T, A = undefined>(
    actor: AuditActor,
    fn: (tx: TxSql) => Promise<T>,
    options: ProbeOptions & { after?: (tx: TxSql, value: T) => Promise<A> } = {},
  ): Promise<ProbeResult<T> & { after?: A }> {
    this.probes += 1;
    const { tx } = this;
    const switchTo = this.switchTo(actor, options.method ?? 'POST');
    // Round trips are most of an audit's time: the switch is pipelined with the probe's first
    // query, the restore with the check that follows it (one connection runs them in order).
    let head: Promise<unknown>;
    if (options.prepare) {
      await tx.unsafe('savepoint audit_probe; savepoint audit_prepare').simple();
      try {
        await options.prepare(tx);
        head = tx.unsafe(`release savepoint audit_prepare; ${switchTo}`).simple();
      } catch (error) {
        // The set-up could not run (a foreign key without ON DELETE keeps the row): probe without it.
        if (!isPgError(error)) {
          await tx
            .unsafe(
              'rollback to savepoint audit_prepare; release savepoint audit_prepare; rollback to savepoint audit_probe; release savepoint audit_probe',
            )
            .simple();
          throw error;
        }
        head = tx.unsafe(`rollback to savepoint audit_prepare; release savepoint audit_prepare; ${switchTo}`).simple();
      }
    } else {
      head = tx.unsafe(`savepoint audit_probe; ${switchTo}`).simple();
    }
    head.catch(() => {});
    try {
      const value = await fn(tx);
      await head;
      if (options.after) {
        const restored = tx.unsafe(RESTORE).simple();
        restored.catch(() => {});
        const after = await options.after(tx, value);
        await restored;
        return { ok: true, value, after };
      }
      return { ok: true, value };
    } catch (error) {
      await head.catch(() => {});
      if (isPgError(error) && error.code) {
        const e = error as { where?: string; detail?: string };
        return {
          ok: false,
          code: error.code,
          message: error.message,
          ...(e.where ? { where: e.where } : {}),
          ...(e.detail ? { detail: e.detail } : {}),
        };
      }
      throw error;
    } finally {
      await tx.unsafe(`rollback to savepoint audit_probe; release savepoint audit_probe; ${RESTORE}`).simple();
    }
  }
}
