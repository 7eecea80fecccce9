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
import { auditSql, literal } from './sqlfiles.js';

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

/** A probe's parameter: text (the statement casts it, `$1::uuid`), an array of text, or null. */
export type Param = string | null | (string | null)[];
export type Row = Record<string, unknown>;
/** What a step returned: its rows, the rows it changed (`returns: 'count'`), or null when it was skipped. */
export type StepResult = Row[] | number | null;

/** A statement run as the audit's own role around a probe (set-up before it, checks after it). */
export interface ProbeStep {
  name: string;
  sql: string;
  params?: Param[];
  returns?: 'rows' | 'count';
  /** Retry a failed step with session_replication_role = replica (a DELETE foreign keys refuse). */
  replicaFallback?: boolean;
  /** After steps: run only when the probe changed rows (`returns: 'count'` and a count above 0). */
  ifWritten?: boolean;
  /** After steps: run only when every prepare step held. */
  ifPrepared?: boolean;
  /** The side-effect digest: the probe takes the tables' marks just before it runs (sql/audit/marks.sql). */
  marks?: boolean;
}

export interface Probe {
  sql: string;
  params?: Param[];
  /** 'count': the rows the statement affected; 'rows': its result rows. */
  returns: 'rows' | 'count';
  method?: string;
  /** Run as the audit's role first; if one fails, all are undone and the probe runs without them (`prepared: null`). */
  prepare?: ProbeStep[];
  /** Run as the audit's role after a probe that succeeded, before everything is rolled back. */
  after?: ProbeStep[];
}

export type ProbeRun = (
  | { ok: true; rows: Row[]; count: number }
  | { ok: false; code: string; message: string; where?: string; detail?: string }
) & { prepared: Record<string, StepResult> | null; after: Record<string, StepResult> };

/** At most this many parameters per statement (sql/audit/probe.sql binds ten). */
export const MAX_PARAMS = 10;

function paramText(p: Param): string | null {
  if (p === null) return null;
  if (!Array.isArray(p)) return p;
  return `{${p.map((v) => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
}

function stepSpec<T extends { sql: string; params?: Param[] }>(
  step: T,
): Omit<T, 'params'> & { params: (string | null)[] } {
  if ((step.params?.length ?? 0) > MAX_PARAMS)
    throw new Error(`dreamdb: a probe statement takes at most ${MAX_PARAMS} parameters: ${step.sql.slice(0, 80)}`);
  return { ...step, params: (step.params ?? []).map(paramText) };
}

/**
 * The error's context without the probe function's own frames: what a client running the
 * statement itself would see (the trigger or function that raised it, if any).
 */
export function probeContext(where: string | null | undefined, probe: Probe): string | undefined {
  if (!where) return undefined;
  const ours = where.search(/(^|\n)PL\/pgSQL function pg_temp(_\d+)?\.dreamdb_audit_/);
  let text = ours >= 0 ? where.slice(0, ours) : where;
  const executed =
    probe.returns === 'count'
      ? probe.sql
      : `select coalesce(jsonb_agg(to_jsonb(dreamdb_row)), '[]') from (${probe.sql}) dreamdb_row`;
  const statement = `SQL statement "${executed}"`;
  if (text.endsWith(statement)) text = text.slice(0, -statement.length);
  return text.replace(/\n+$/, '') || undefined;
}

/** The first row a step returned (undefined when it was skipped or returned none). */
export function firstRow(result: StepResult | undefined): Row | undefined {
  return Array.isArray(result) ? result[0] : undefined;
}

/** A Postgres error as a probe's outcome. */
function probeError(error: { code?: string; message?: string; where?: string | null; detail?: string | null }) {
  return {
    ok: false as const,
    code: error.code ?? '',
    message: error.message ?? '',
    ...(error.where ? { where: error.where } : {}),
    ...(error.detail ? { detail: error.detail } : {}),
  };
}

/** At most this many probes in one message to the server. */
const MAX_BATCH = 64;

interface Queued {
  probe: Probe;
  call: string;
  resolve: (run: ProbeRun) => void;
  reject: (error: unknown) => void;
}

/** What sql/audit/probe.sql answered, as a ProbeRun. */
function decodeAnswer(answer: string, probe: Probe): ProbeRun {
  const a = JSON.parse(answer) as {
    ok: boolean;
    rows?: Row[];
    count?: number;
    code?: string;
    message?: string;
    detail?: string | null;
    where?: string | null;
    prepared: Record<string, StepResult> | null;
    after: Record<string, StepResult>;
  };
  if (a.ok)
    return {
      ok: true,
      rows: a.rows ?? [],
      count: a.count ?? a.rows?.length ?? 0,
      prepared: a.prepared,
      after: a.after,
    };
  return { ...probeError({ ...a, where: probeContext(a.where, probe) }), prepared: a.prepared, after: a.after };
}

export class ProbeSession {
  /** Statements sent, for the bench and the report. */
  probes = 0;
  /**
   * Probes driven statement by statement from here, through as(): where the audit's role may not
   * create temporary objects (REVOKE TEMP ON DATABASE), or when asked (tests compare the two).
   */
  inline: boolean;
  constructor(
    readonly tx: TxSql,
    options: { inline?: boolean } = {},
  ) {
    this.inline = options.inline ?? false;
  }

  /** Creates the probe function (sql/audit/probe.sql) in pg_temp; it goes with the audit's rollback. */
  install(): Promise<void> {
    this.installing ??= this.create();
    return this.installing;
  }

  private installing: Promise<void> | undefined;

  private async create(): Promise<void> {
    if (this.inline) return;
    await this.tx.unsafe('savepoint audit_install').simple();
    try {
      await this.tx.unsafe(auditSql('probe.sql')).simple();
      await this.tx.unsafe('release savepoint audit_install').simple();
    } catch (error) {
      if (!isPgError(error) || error.code !== '42501') throw error;
      await this.tx.unsafe('rollback to savepoint audit_install; release savepoint audit_install').simple();
      this.inline = true;
    }
  }

  /** run(), a statement at a time (the same steps, in the same order, as sql/audit/probe.sql). */
  private async runInline(actor: AuditActor, probe: Probe): Promise<ProbeRun> {
    const exec = async (tx: TxSql, step: { sql: string; params?: Param[]; returns?: 'rows' | 'count' }) => {
      const result = await tx.unsafe<Row[]>(step.sql, (step.params ?? []).map(paramText));
      return step.returns === 'count' ? result.count : [...result];
    };
    const prepared: Record<string, StepResult> = {};
    let held = true;
    const steps = probe.prepare ?? [];
    const result = await this.as<StepResult, Record<string, StepResult>>(actor, (tx) => exec(tx, probe), {
      method: probe.method ?? 'POST',
      ...(steps.length
        ? {
            prepare: async (tx: TxSql) => {
              held = false;
              for (const step of steps) {
                if (!step.replicaFallback) {
                  prepared[step.name] = await exec(tx, step);
                  continue;
                }
                await tx.unsafe('savepoint audit_room').simple();
                try {
                  prepared[step.name] = await exec(tx, step);
                } catch (error) {
                  if (!isPgError(error)) throw error;
                  // Rows elsewhere reference them without ON DELETE: without firing the foreign keys (superuser only).
                  await tx
                    .unsafe(
                      "rollback to savepoint audit_room; select set_config('session_replication_role', 'replica', true)",
                    )
                    .simple();
                  prepared[step.name] = await exec(tx, step).finally(() =>
                    tx.unsafe("select set_config('session_replication_role', 'origin', true)").simple(),
                  );
                }
                await tx.unsafe('release savepoint audit_room').simple();
              }
              held = true;
            },
          }
        : {}),
      after: async (tx, value) => {
        const written = probe.returns !== 'count' || (value as number) > 0;
        const after: Record<string, StepResult> = {};
        for (const step of probe.after ?? [])
          after[step.name] = (step.ifWritten && !written) || (step.ifPrepared && !held) ? null : await exec(tx, step);
        return after;
      },
    });
    if (!result.ok) return { ...result, prepared: held ? prepared : null, after: {} };
    const value = result.value;
    return {
      ok: true,
      rows: Array.isArray(value) ? value : [],
      count: typeof value === 'number' ? value : (value?.length ?? 0),
      prepared: held ? prepared : null,
      after: result.after ?? {},
    };
  }

  /**
   * One probe in one round trip: the function switches to the actor, runs the probe and its
   * steps, and rolls all of it back (sql/audit/probe.sql). The actor's statement_timeout bounds
   * the call, set in a savepoint that is rolled back with it. Probes asked for in the same turn
   * of the event loop (a caller that starts several before awaiting them) go to the server as one
   * batch, in order, each statement still under its own statement_timeout.
   */
  async run(actor: AuditActor, probe: Probe): Promise<ProbeRun> {
    await this.install();
    if (this.inline) {
      // One savepoint at a time: callers that start several probes at once are served in order.
      const run = this.inlineTurn.then(() => this.runInline(actor, probe));
      this.inlineTurn = run.catch(() => {});
      return run;
    }
    this.probes += 1;
    const call = this.callText(actor, probe);
    return new Promise<ProbeRun>((resolve, reject) => {
      this.queue.push({ probe, call, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private inlineTurn: Promise<unknown> = Promise.resolve();
  private queue: Queued[] = [];
  private sending: Promise<void> = Promise.resolve();

  /** Sends what is queued, after the batch before it, in parts of at most MAX_BATCH probes. */
  private flush(): void {
    const queued = this.queue.splice(0);
    for (let i = 0; i < queued.length; i += MAX_BATCH) {
      const part = queued.slice(i, i + MAX_BATCH);
      this.sending = this.sending.then(() =>
        this.send(part).catch((error: unknown) => {
          for (const q of part) q.reject(error);
        }),
      );
    }
  }

  private async send(part: Queued[]): Promise<void> {
    let answers: string[];
    try {
      const results = await this.tx.unsafe<Row[][]>(part.map((q) => q.call).join('; ')).simple();
      answers = results.filter((r) => r[0] && 'dreamdb_probe' in r[0]).map((r) => r[0]!.dreamdb_probe as string);
    } catch (error) {
      if (!isPgError(error) || !error.code) throw error;
      await this.tx.unsafe('rollback to savepoint audit_probe; release savepoint audit_probe').simple();
      // Switching to the actor failed (a role that does not exist): alone, that is the probe's error;
      // in a batch, the statements after it were not run, so each probe again, alone.
      if (part.length === 1) part[0]!.resolve({ ...probeError(error), prepared: null, after: {} });
      else for (const q of part) await this.send([q]);
      return;
    }
    if (answers.length !== part.length)
      throw new Error('dreamdb: the probe function returned fewer answers than probes');
    part.forEach((q, i) => q.resolve(decodeAnswer(answers[i]!, q.probe)));
  }

  /** The statements of one probe: savepoint, the actor's statement_timeout, the call, rollback. */
  private callText(actor: AuditActor, probe: Probe): string {
    const spec = {
      ...stepSpec(probe),
      role: actor.role,
      claims: actor.claims,
      method: probe.method ?? 'POST',
      headers: actor.headers ?? '{}',
      prepare: (probe.prepare ?? []).map(stepSpec),
      after: (probe.after ?? []).map(stepSpec),
      marks: (probe.after ?? []).some((s) => s.marks),
    };
    return `savepoint audit_probe; select set_config('statement_timeout', ${literal(actor.statementTimeout)}, true); select pg_temp.dreamdb_audit_probe(${literal(JSON.stringify(spec))}::jsonb) as dreamdb_probe; rollback to savepoint audit_probe; release savepoint audit_probe`;
  }

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
      // When the switch itself failed, its error is the outcome (the probe only met the aborted transaction).
      const switchError = await head.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (isPgError(switchError) && switchError.code) return probeError(switchError);
      if (isPgError(error) && error.code) return probeError(error);
      throw error;
    } finally {
      await tx.unsafe(`rollback to savepoint audit_probe; release savepoint audit_probe; ${RESTORE}`).simple();
    }
  }
}
