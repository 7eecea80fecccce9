/**
 * The migration engine: base, ledger, plan, apply. Each file runs in one transaction together
 * with its ledger rows; `-- dreamdb:no-transaction` files run statement by statement and record
 * progress so a rerun resumes. The whole run holds a session advisory lock on one connection.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type postgres from 'postgres';
import { withDb, type ConnectOptions, type Sql } from '../db/connect.js';
import { LockKeys, withAdvisoryLock } from '../db/lock.js';
import { fileError, isPgError, splitStatements, type Statement } from '../db/sqlfile.js';
import { DreamdbError, UsageError } from '../errors.js';
import { isLockUnavailable } from '../db/pg-errors.js';
import { withLockRetries } from '../db/retry.js';
import { quoteLiteral } from '../db/quote.js';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  compareVersions,
  planMigrations,
  type LedgerRow,
  type MigrationFile,
  type MigrationPlan,
} from '../plan/migrations.js';
import { sqlDir } from '../paths.js';
import { checksum, loadMigrationFiles, normalise } from './files.js';
import { applyConfiguredSearchPath } from './session.js';
import { ledgerWarnings, outOfOrderError, readSupabaseLedger, recordAdopted, recordSupabaseRow } from './ledgers.js';
import { findTransactionControl } from './transaction-control.js';
import type { MigrateSettings } from './settings.js';

// Apart in settings.ts so that context.ts resolves them without loading this engine (and the SQL parser).
export { defaultMigrateSettings, type MigrateSettings } from './settings.js';

export type MigrateEvent =
  | { type: 'waiting'; holderPid: number | null }
  | { type: 'base'; action: 'installed' | 'skipped-supabase' | 'unchanged' }
  | { type: 'start'; file: MigrationFile; resumeFrom: number }
  | { type: 'retry'; file: MigrationFile; attempt: number; delayMs: number }
  | { type: 'applied'; file: MigrationFile; durationMs: number }
  | { type: 'warning'; message: string };

export interface MigrateRunOptions {
  settings: MigrateSettings;
  dryRun?: boolean;
  to?: string;
  /** Apply pending files older than the newest applied version (as `supabase db push --include-all`). */
  includeAll?: boolean;
  /** A restore migrates to its backup's version and reports a missing one itself. */
  toMayBeMissing?: boolean;
  /** Called with the plan before anything is applied; return false to stop (cancelled). */
  confirm?: (plan: MigrationPlan) => Promise<boolean>;
  onEvent?: (event: MigrateEvent) => void;
  cwd?: string;
  /** Runs on the locked connection once the plan is known, before anything (even a dry run) returns: the lint gate. */
  beforeApply?: (sql: Sql, plan: MigrationPlan) => Promise<void>;
}

export interface MigrateRunResult {
  plan: MigrationPlan;
  applied: { version: string; name: string; path: string; durationMs: number }[];
  base: 'installed' | 'skipped-supabase' | 'unchanged' | 'would-install';
  dryRun: boolean;
  ignoredFiles: string[];
}

const BASE_FILE = path.join(sqlDir, 'base', 'supabase.sql');
const DATA_API_REVOKE_FILE = path.join(sqlDir, 'base', 'data-api-revoke.sql');
const LEDGER_FILE = path.join(sqlDir, 'dreamdb', 'ledger.sql');

export class MigrationChangedError extends DreamdbError {
  constructor(changed: MigrationPlan['changed']) {
    const names = changed.map((c) => c.file.path);
    super(`Applied migration${names.length > 1 ? 's were' : ' was'} edited: ${names.join(', ')}`, {
      details: changed.map(
        (c) =>
          `${c.file.path}: applied ${c.recorded.appliedAt?.toISOString() ?? '(in progress)'} with sha256 ${c.recorded.checksum.slice(0, 12)}…, file now ${c.file.checksum.slice(0, 12)}…`,
      ),
      hint: 'Restore the applied file (git checkout -- <file>) and put the change in a new migration: `dreamdb migration new <name>`.',
    });
    this.name = 'MigrationChangedError';
  }
}

/** The single-connection client a run uses (lock_timeout as a connection option survives RESET ALL). */
function migrationClientOptions(settings: MigrateSettings, onNotice: (n: postgres.Notice) => void): ConnectOptions {
  return {
    max: 1,
    onNotice,
    connection: { lock_timeout: `${settings.lockTimeoutMs}ms`, application_name: 'dreamdb migrate' },
  };
}

/**
 * A real Supabase project: its auth.users belongs to Supabase Auth's own role. Checked per
 * database, so a stray cluster-wide role on a shared server does not fool it.
 */
export async function isSupabase(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ yes: boolean }[]>`
    select exists (
      select 1 from pg_class c join pg_roles r on r.oid = c.relowner
      where c.oid = to_regclass('auth.users') and r.rolname in ('supabase_auth_admin', 'supabase_admin')
    ) as yes`;
  return Boolean(row?.yes);
}

export async function readLedger(sql: Sql): Promise<LedgerRow[]> {
  const [exists] = await sql<{ ok: boolean }[]>`select to_regclass('dreamdb.migrations') is not null as ok`;
  if (!exists?.ok) return [];
  const rows = await sql<
    { version: string; name: string; checksum: string; applied_at: Date | null; statements_done: number | null }[]
  >`
    select version, name, checksum, applied_at, statements_done from dreamdb.migrations order by version`;
  return rows.map((r) => ({
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at,
    statementsDone: r.statements_done,
  }));
}

/** Reads files and ledger and plans, without changing anything (status, migration list, dry runs). */
export async function inspect(sql: Sql, settings: MigrateSettings, options: { to?: string; cwd?: string } = {}) {
  const cwd = options.cwd ?? process.cwd();
  const { files, ignored } = await loadMigrationFiles(path.resolve(cwd, settings.dir), cwd);
  const ledger = await readLedger(sql);
  const supabase = await readSupabaseLedger(sql);
  return { plan: planMigrations(files, ledger, { to: options.to, supabase }), ledger, ignored, files, supabase };
}

/** `--to` must name a version a file (or the ledger) has: a typo would otherwise migrate to the end. */
export function checkTargetVersion(to: string, files: readonly MigrationFile[], ledger: readonly LedgerRow[]): void {
  const versions = [...new Set([...files.map((f) => f.version), ...ledger.map((r) => r.version)])].sort(
    compareVersions,
  );
  if (versions.includes(to)) return;
  if (!/^[0-9]+$/.test(to)) {
    throw new UsageError(`--to ${to} is not a migration version (yyyymmddHHMMSS).`, {
      hint: versions.length
        ? `The newest is ${versions.at(-1)}; \`dreamdb migration list\` shows them all.`
        : 'There are no migrations yet.',
    });
  }
  const below = versions.filter((v) => compareVersions(v, to) < 0).at(-1);
  const above = versions.find((v) => compareVersions(v, to) > 0);
  const nearest = [below && `${below} (before)`, above && `${above} (after)`].filter(Boolean).join(' and ');
  throw new UsageError(`No migration has version ${to}.`, {
    hint: nearest
      ? `The nearest are ${nearest}; \`dreamdb migration list\` shows them all.`
      : 'There are no migrations yet.',
  });
}

export async function runMigrations(url: string, options: MigrateRunOptions): Promise<MigrateRunResult> {
  const { settings } = options;
  const emit = options.onEvent ?? (() => {});
  const onNotice = (notice: postgres.Notice) => {
    if (notice.severity === 'WARNING') {
      emit({ type: 'warning', message: `${notice.message ?? ''}${notice.hint ? ` (${notice.hint})` : ''}` });
    }
  };
  return withDb(
    url,
    (sql) =>
      withAdvisoryLock(
        sql,
        LockKeys.migrate,
        {
          waitMs: settings.waitMs,
          what: 'dreamdb migrate',
          onWait: (holderPid) => emit({ type: 'waiting', holderPid }),
        },
        () => runLocked(sql, options, emit),
      ),
    migrationClientOptions(settings, onNotice),
  );
}

async function runLocked(
  sql: Sql,
  options: MigrateRunOptions,
  emit: (e: MigrateEvent) => void,
): Promise<MigrateRunResult> {
  const { settings } = options;
  const inspected = await inspect(sql, settings, { to: options.to, cwd: options.cwd });
  const { ignored, files, ledger, supabase: supabaseLedger } = inspected;
  if (options.to !== undefined && !options.toMayBeMissing) checkTargetVersion(options.to, files, ledger);
  const resumable = await resumableEdits(sql, inspected.plan);
  const plan = resumable.size
    ? planMigrations(files, ledger, { to: options.to, supabase: supabaseLedger, resumable })
    : inspected.plan;
  if (plan.changed.length) throw new MigrationChangedError(plan.changed);
  for (const message of ledgerWarnings(plan, settings.dir)) emit({ type: 'warning', message });
  if (plan.outOfOrder.length && !options.includeAll && !options.dryRun) throw outOfOrderError(plan);
  await refuseTransactionControl(plan.pending);
  await options.beforeApply?.(sql, plan);
  const supabase = await isSupabase(sql);
  const baseText = await readBase(settings);
  const baseChecksum = checksum(baseText);
  const baseState = supabase
    ? 'skipped-supabase'
    : (await baseIsCurrent(sql, baseChecksum))
      ? 'unchanged'
      : 'would-install';

  if (options.dryRun) return { plan, applied: [], base: baseState, dryRun: true, ignoredFiles: ignored };
  if (options.confirm && (plan.pending.length || baseState === 'would-install') && !(await options.confirm(plan))) {
    return { plan, applied: [], base: baseState, dryRun: true, ignoredFiles: ignored };
  }

  await runFileInTransaction(
    sql,
    { path: 'sql/dreamdb/ledger.sql', text: await fs.readFile(LEDGER_FILE, 'utf8') },
    settings,
    async (tx) => {
      await recordAdopted(tx, plan.adopted);
    },
  );
  let base: MigrateRunResult['base'] = baseState;
  if (baseState === 'would-install') {
    await installBase(sql, settings, baseText, baseChecksum);
    base = 'installed';
  }
  emit({ type: 'base', action: base as 'installed' | 'skipped-supabase' | 'unchanged' });

  const appliedBy = `${await currentUser(sql)} (${os.userInfo().username}@${os.hostname()})`;
  const applied: MigrateRunResult['applied'] = [];
  for (const file of plan.pending) {
    const partial = plan.partial.find((p) => p.file.version === file.version);
    emit({ type: 'start', file, resumeFrom: partial?.recorded.statementsDone ?? 0 });
    const started = performance.now();
    if (file.noTransaction) await applyNoTransaction(sql, file, settings, appliedBy, emit);
    else await applyInTransaction(sql, file, settings, appliedBy, emit);
    const durationMs = Math.round(performance.now() - started);
    applied.push({ version: file.version, name: file.name, path: file.path, durationMs });
    emit({ type: 'applied', file, durationMs });
  }
  return { plan, applied, base, dryRun: false, ignoredFiles: ignored };
}

/** COMMIT, ROLLBACK, SAVEPOINT or SET ROLE in a transactional file: refused before any file runs. */
async function refuseTransactionControl(pending: readonly MigrationFile[]): Promise<void> {
  const problems: string[] = [];
  let first: string | undefined;
  for (const file of pending) {
    if (file.noTransaction) continue;
    const statements = await splitStatements(file.text);
    for (const found of statements ? findTransactionControl(file.text, statements) : []) {
      const where = `${file.path}:${found.line}:${found.column}`;
      first ??= `${where}: ${found.statement}`;
      problems.push(`${where}: ${found.statement}: ${found.fix}`);
    }
  }
  if (!first) return;
  throw new DreamdbError(`Refused before running anything: ${first} would break the file's single transaction.`, {
    details: problems,
    hint: 'Remove transaction control and role switches from transactional migrations (details above), then run `dreamdb migrate` again.',
  });
}

async function currentUser(sql: Sql): Promise<string> {
  const [row] = await sql<{ u: string }[]>`select current_user as u`;
  return row!.u;
}

/** The base as installed: Supabase's initial schema, then (by default) today's Data API revoke. */
async function readBase(settings: MigrateSettings): Promise<string> {
  const base = await fs.readFile(BASE_FILE, 'utf8');
  return settings.autoExposeNewTables ? base : `${base}\n${await fs.readFile(DATA_API_REVOKE_FILE, 'utf8')}`;
}

async function baseIsCurrent(sql: Sql, sum: string): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`select to_regclass('dreamdb.base') is not null as ok`;
  if (!row?.ok) return false;
  const [rec] = await sql<{ checksum: string }[]>`select checksum from dreamdb.base where name = 'supabase'`;
  return rec?.checksum === sum;
}

/** Role creation is cluster-wide: another database on the same server may race us; retry. */
async function installBase(sql: Sql, settings: MigrateSettings, text: string, sum: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await runFileInTransaction(sql, { path: 'sql/base/supabase.sql', text }, settings, async (tx) => {
        await tx`insert into dreamdb.base (name, checksum) values ('supabase', ${sum})
                 on conflict (name) do update set checksum = excluded.checksum, installed_at = now()`;
      });
      return;
    } catch (error) {
      const cause =
        (error as { cause?: { code?: string; message?: string } }).cause ??
        (error as { code?: string; message?: string });
      const race = cause?.code === '23505' || cause?.code === '40001' || /concurrently/.test(cause?.message ?? '');
      if (!race || attempt >= 5) throw error;
      await sleep(50 * attempt);
    }
  }
}

/** Statements of a file; when the parser rejects it, the server is asked so its own error shows. */
async function statementsOf(file: { path: string; text: string }): Promise<Statement[] | undefined> {
  return splitStatements(file.text);
}

async function runFileInTransaction(
  sql: Sql,
  file: { path: string; text: string },
  settings: MigrateSettings,
  after: (tx: postgres.TransactionSql<Record<string, unknown>>) => Promise<void>,
  onRetry?: (attempt: number, delayMs: number) => void,
): Promise<void> {
  const statements = await statementsOf(file);
  await retryOnLocks(settings, file.path, onRetry, async () => {
    await sql.begin(async (tx) => {
      if (!statements) {
        // Not parseable here: let the server report the error in its own words.
        try {
          await tx.unsafe(file.text).simple();
        } catch (error) {
          throw isPgError(error) ? fileError(file, 0, error) : error;
        }
      } else {
        for (const statement of statements) {
          try {
            await tx.unsafe(statement.text).simple();
          } catch (error) {
            if (isLockUnavailable(error)) throw error; // retried by retryOnLocks
            throw isPgError(error) ? fileError(file, statement.offset, error) : error;
          }
        }
      }
      await after(tx);
    });
  });
  // A file's SET (search_path, role, ...) must not leak into the next file.
  await sql`reset all`;
  await sql`reset role`;
  await applyConfiguredSearchPath(sql);
}

async function applyInTransaction(
  sql: Sql,
  file: MigrationFile,
  settings: MigrateSettings,
  appliedBy: string,
  emit: (e: MigrateEvent) => void,
) {
  const statements = (await splitStatements(file.text)) ?? [];
  const started = performance.now();
  await runFileInTransaction(
    sql,
    file,
    settings,
    async (tx) => {
      const duration = Math.round(performance.now() - started);
      await tx`insert into dreamdb.migrations (version, name, checksum, applied_at, duration_ms, applied_by)
               values (${file.version}, ${file.name}, ${file.checksum}, now(), ${duration}, ${appliedBy})`;
      await recordSupabase(tx, file, statements);
    },
    (attempt, delayMs) => emit({ type: 'retry', file, attempt, delayMs }),
  );
}

async function recordSupabase(
  tx: Sql | postgres.TransactionSql<Record<string, unknown>>,
  file: MigrationFile,
  statements: Statement[],
) {
  await recordSupabaseRow(
    tx,
    file,
    statements.map((s) => s.text),
  );
}

function prefixChecksum(statements: Statement[], count: number): string {
  const hash = createHash('sha256');
  for (const s of statements.slice(0, count)) hash.update(normalise(s.text));
  return hash.digest('hex');
}

/**
 * An unfinished no-transaction file may be edited after the statement that failed: that is the
 * fix. It counts as changed only when a statement already done was edited. The versions whose
 * edit is such a fix, for the planner to treat as partial.
 */
async function resumableEdits(sql: Sql, plan: MigrationPlan): Promise<Set<string>> {
  const resumable = new Set<string>();
  for (const entry of plan.changed) {
    if (entry.recorded.statementsDone === null) continue;
    const statements = await splitStatements(entry.file.text);
    const [row] = await sql<
      { done_checksum: string | null }[]
    >`select done_checksum from dreamdb.migrations where version = ${entry.file.version}`;
    if (statements && row?.done_checksum === prefixChecksum(statements, entry.recorded.statementsDone))
      resumable.add(entry.file.version);
  }
  return resumable;
}

async function applyNoTransaction(
  sql: Sql,
  file: MigrationFile,
  settings: MigrateSettings,
  appliedBy: string,
  emit: (e: MigrateEvent) => void,
) {
  const statements = await splitStatements(file.text);
  if (!statements) {
    // The parser rejects the file: run it once in a transaction only to show the server's error.
    await runFileInTransaction(sql, file, settings, async () => {
      throw new DreamdbError(`${file.path} could not be split into statements.`);
    });
    return;
  }
  const [row] = await sql<{ statements_done: number | null }[]>`
    insert into dreamdb.migrations (version, name, checksum, applied_by, statements_done, done_checksum)
    values (${file.version}, ${file.name}, ${file.checksum}, ${appliedBy}, 0, ${prefixChecksum(statements, 0)})
    on conflict (version) do update set checksum = excluded.checksum
    returning statements_done`;
  const started = performance.now();
  const recordDone = (done: number) =>
    `update dreamdb.migrations set statements_done = ${done}, done_checksum = ${quoteLiteral(prefixChecksum(statements, done))}
      where version = ${quoteLiteral(file.version)}`;
  for (let i = row?.statements_done ?? 0; i < statements.length; i += 1) {
    const statement = statements[i]!;
    if (statement.concurrentIndex) await dropInvalidIndex(sql, statement.concurrentIndex);
    // Exactly once: a statement that may run in a transaction commits together with its progress
    // row, so a run that dies (kill -9, a lost connection) after the server committed it cannot
    // leave it to be run again. One simple query of two statements is one implicit transaction
    // (and, unlike BEGIN … COMMIT from the driver, leaves no ROLLBACK to write to a dead socket).
    // Only what Postgres forbids in a transaction block runs alone.
    let alone = runsOutsideTransaction(statement);
    const run = () => sql.unsafe(alone ? statement.text : `${statement.text}\n;\n${recordDone(i + 1)}`).simple();
    await retryOnLocks(
      settings,
      file.path,
      (attempt, delayMs) => emit({ type: 'retry', file, attempt, delayMs }),
      async () => {
        try {
          try {
            await run();
          } catch (error) {
            // "cannot run inside a transaction block" / a procedure or DO block that commits: the
            // attempt was rolled back whole; run it on its own.
            if (alone || !isPgError(error) || !OWN_TRANSACTION_CODES.has(error.code ?? '')) throw error;
            alone = true;
            await run();
          }
        } catch (error) {
          if (isLockUnavailable(error)) throw error;
          throw isPgError(error) ? fileError(file, statement.offset, error) : error;
        }
      },
    );
    if (statement.concurrentIndex && !(await indexIsValid(sql, statement.concurrentIndex))) {
      throw new DreamdbError(`${file.path}: index ${statement.concurrentIndex.name} was built INVALID.`, {
        hint: 'Check for duplicate values or a failed build in the server log, then rerun `dreamdb migrate` (the invalid index is dropped and rebuilt).',
      });
    }
    if (alone) await sql.unsafe(recordDone(i + 1)).simple();
  }
  await sql.begin(async (tx) => {
    await tx`update dreamdb.migrations set statements_done = null, done_checksum = null, applied_at = now(),
             duration_ms = ${Math.round(performance.now() - started)} where version = ${file.version}`;
    await recordSupabase(tx, file, statements);
  });
  await sql`reset all`;
  await sql`reset role`;
  await applyConfiguredSearchPath(sql);
}

/** active_sql_transaction (cannot run inside a transaction block), invalid_transaction_termination. */
const OWN_TRANSACTION_CODES = new Set(['25001', '2D000']);

/**
 * Statements Postgres refuses inside a transaction block (or that end one): these run on their
 * own, and their progress row follows them. Anything else missed here fails inside the block with
 * 25001 and is then run on its own too.
 */
function runsOutsideTransaction(statement: Statement): boolean {
  const node = (statement.node ?? {}) as Record<string, Record<string, unknown> | undefined>;
  if (node.TransactionStmt || node.CallStmt || node.VacuumStmt || node.CreatedbStmt || node.DropdbStmt) return true;
  if (node.AlterSystemStmt || node.CreateTableSpaceStmt || node.DropTableSpaceStmt) return true;
  if (node.CreateSubscriptionStmt || node.AlterSubscriptionStmt || node.DropSubscriptionStmt) return true;
  if (node.IndexStmt?.concurrent || node.DropStmt?.concurrent) return true;
  const reindex = node.ReindexStmt as { params?: { DefElem?: { defname?: string } }[] } | undefined;
  if (reindex?.params?.some((p) => p.DefElem?.defname === 'concurrently')) return true;
  const alter = node.AlterTableStmt as
    { cmds?: { AlterTableCmd?: { def?: { PartitionCmd?: { concurrent?: boolean } } } }[] } | undefined;
  return alter?.cmds?.some((c) => c.AlterTableCmd?.def?.PartitionCmd?.concurrent) ?? false;
}

/** A failed CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT EXISTS would then skip. */
async function dropInvalidIndex(sql: Sql, index: { schema: string | null; name: string }): Promise<void> {
  const [row] = await sql<{ qualified: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as qualified
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where c.relname = ${index.name} and not i.indisvalid
      and (${index.schema}::text is null and n.nspname = any (current_schemas(false)) or n.nspname = ${index.schema})
    limit 1`;
  if (row) await sql.unsafe(`drop index concurrently if exists ${row.qualified}`).simple();
}

async function indexIsValid(sql: Sql, index: { schema: string | null; name: string }): Promise<boolean> {
  const rows = await sql<{ valid: boolean }[]>`
    select i.indisvalid as valid
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where c.relname = ${index.name}
      and (${index.schema}::text is null and n.nspname = any (current_schemas(false)) or n.nspname = ${index.schema})`;
  return rows.length === 0 || rows.every((r) => r.valid);
}

/** GitLab's "with lock retries" (src/db/retry.ts): a short lock_timeout, and on 55P03 back off and try again. */
async function retryOnLocks(
  settings: MigrateSettings,
  what: string,
  onRetry: ((attempt: number, delayMs: number) => void) | undefined,
  fn: () => Promise<void>,
) {
  await withLockRetries(fn, {
    what,
    maxAttempts: settings.lockRetries,
    lockTimeoutMs: settings.lockTimeoutMs,
    hint: 'A long transaction holds a conflicting lock (see pg_stat_activity); retry later or raise migrations.lockTimeout.',
    onRetry: onRetry && ((attempt, waitMs) => onRetry(attempt, waitMs)),
  });
}
