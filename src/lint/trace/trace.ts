/**
 * The measured lock trace: pending files applied to a scratch copy statement by statement, as
 * migrate would (one transaction per file, or autocommit for no-transaction files), recording
 * for each statement the locks its backend held (pg_locks, polled while it runs and read after
 * it), how long they were held, whether it rewrote a relation (relfilenode changed) or scanned
 * one (pg_stat_xact_user_tables), and what the app would wait for: probed by taking the
 * locks a SELECT and an INSERT need from another session, with a 20 ms lock_timeout.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withDbs, type Sql } from '../../db/connect.js';
import { SqlState, sqlStateOf } from '../../db/pg-errors.js';
import { packagedSql } from '../../db/queries.js';
import { lineAndColumn } from '../../db/sqlfile.js';
import type { LintFile } from '../model.js';
import { parseFile } from '../parse.js';
import { RULE_IDS } from '../rules/index.js';

const LOCKS = packagedSql('lint/trace-locks.sql');
const STATE = packagedSql('lint/trace-state.sql');

/** Lock modes weakest first, as pg_locks names them. */
const MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];
const rank = (mode: string) => MODES.indexOf(mode);
export const modeName = (mode: string) =>
  mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();

export type Waits = 'reads and writes' | 'writes' | 'nothing';

export interface TracedLock {
  relation: string;
  mode: string;
  /** From this statement's start until the lock was released (the file's commit, or the statement's end). */
  heldMs: number;
  /** What the app would wait for while it is held. */
  waits: Waits;
  /** True when `waits` was probed from another session; false when read from the conflict table. */
  probed: boolean;
  /** A relation this transaction created: nobody else can see it yet. */
  created: boolean;
}

export interface TracedStatement {
  file: string;
  line: number;
  column: number;
  statement: string;
  durationMs: number;
  /** Locks this statement took (or strengthened), strongest per relation. */
  locks: TracedLock[];
  rewrote: string[];
  scanned: { relation: string; rows: number }[];
  /** Strong locks this statement needed that an earlier statement of the file already holds. */
  alreadyHeld: { relation: string; mode: string }[];
  error?: string;
}

export interface TraceReport {
  statements: TracedStatement[];
  /** Set when a statement failed: later statements and files were not run. */
  failed?: { file: string; line: number; message: string };
}

/** The conflict table: a SELECT needs ACCESS SHARE, an INSERT/UPDATE/DELETE ROW EXCLUSIVE. */
export function waitsFor(mode: string): Waits {
  if (mode === 'AccessExclusiveLock') return 'reads and writes';
  return rank(mode) >= rank('ShareLock') ? 'writes' : 'nothing';
}

interface RelState {
  name: string;
  isIndex: boolean;
  filenode: number;
  seqScan: number;
  seqRead: number;
}

async function state(sql: Sql, cumulative: boolean): Promise<Map<number, RelState>> {
  const rows = await sql.unsafe<
    {
      oid: string;
      name: string;
      is_index: boolean;
      filenode: string;
      seq_scan: string;
      seq_tup_read: string;
      total_seq_scan: string;
      total_seq_tup_read: string;
    }[]
  >(STATE);
  return new Map(
    rows.map((r) => [
      Number(r.oid),
      {
        name: r.name,
        isIndex: r.is_index,
        filenode: Number(r.filenode),
        seqScan: Number(cumulative ? r.total_seq_scan : r.seq_scan),
        seqRead: Number(cumulative ? r.total_seq_tup_read : r.seq_tup_read),
      },
    ]),
  );
}

export async function traceFiles(scratchUrl: string, files: readonly LintFile[]): Promise<TraceReport> {
  const report: TraceReport = { statements: [] };
  const names = ['dreamdb trace', 'dreamdb trace watcher', 'dreamdb trace probe'];
  await withDbs(
    scratchUrl,
    names.length,
    async ([runner, watcher, prober]) => {
      const [me] = await runner!<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const pid = me!.pid;
      const canFlush = await runner!`select 1 from pg_proc where proname = 'pg_stat_force_next_flush'`.then(
        (r) => r.length > 0,
      );
      for (const file of files) {
        const ok = await traceFile(
          file,
          { runner: runner!, watcher: watcher!, prober: prober!, pid, canFlush },
          report,
        );
        if (!ok) break;
      }
    },
    (i) => ({ connection: { application_name: names[i]! } }),
  );
  return report;
}

interface Sessions {
  runner: Sql;
  watcher: Sql;
  prober: Sql;
  pid: number;
  canFlush: boolean;
}

async function traceFile(file: LintFile, s: Sessions, report: TraceReport): Promise<boolean> {
  const parsed = await parseFile(file, RULE_IDS);
  const inTx = !file.noTransaction;
  const held = new Map<number, string>(); // oid → strongest mode held so far in this transaction
  const fileStatements: { traced: TracedStatement; startedAt: number }[] = [];
  if (inTx) await s.runner.unsafe('begin');
  try {
    for (const statement of parsed.statements) {
      const { line, column } = lineAndColumn(file.text, statement.offset);
      const traced: TracedStatement = {
        file: file.path,
        line,
        column,
        statement: statement.text.split('\n')[0]!.slice(0, 100),
        durationMs: 0,
        locks: [],
        rewrote: [],
        scanned: [],
        alreadyHeld: [],
      };
      report.statements.push(traced);
      if (!inTx && s.canFlush) await flushStats(s.runner);
      const before = await state(s.runner, !inTx);
      const seen = new Map<number, string>();
      const startedAt = performance.now();
      let done = false;
      const run = s.runner
        .unsafe(statement.text)
        .simple()
        .then(
          () => undefined,
          (e: Error) => e,
        )
        .finally(() => (done = true));
      // Poll the running statement's locks from another session (catches locks a no-transaction
      // statement releases before it returns).
      while (!done) {
        for (const l of await s.watcher.unsafe<{ oid: string; mode: string; granted: boolean }[]>(LOCKS, [s.pid]))
          note(seen, Number(l.oid), l.mode);
        await Promise.race([run, sleep(5)]);
      }
      const error = await run;
      traced.durationMs = performance.now() - startedAt;
      if (error) {
        traced.error = error.message;
        report.failed = { file: file.path, line, message: error.message };
        // The rollback releases what earlier statements of the file took.
        const endedAt = performance.now();
        if (inTx) for (const f of fileStatements) for (const l of f.traced.locks) l.heldMs = endedAt - f.startedAt;
        return false;
      }
      if (inTx)
        for (const l of await s.runner.unsafe<{ oid: string; mode: string }[]>(LOCKS, [s.pid]))
          note(seen, Number(l.oid), l.mode);
      if (!inTx && s.canFlush) await flushStats(s.runner);
      const after = await state(s.runner, !inTx);
      for (const [oid, rel] of after) {
        const was = before.get(oid);
        if (!was || rel.isIndex) continue; // an index is rebuilt with its table
        if (was.filenode !== rel.filenode && rel.filenode !== 0) traced.rewrote.push(rel.name);
        else if (rel.seqScan > was.seqScan && rel.seqRead > was.seqRead)
          traced.scanned.push({ relation: rel.name, rows: rel.seqRead - was.seqRead });
      }
      for (const [oid, mode] of seen) {
        const prior = held.get(oid);
        if (prior && rank(prior) >= rank(mode)) {
          // Already held at least this strongly since an earlier statement: it waits for nothing new.
          const name = (after.get(oid) ?? before.get(oid))?.name;
          if (name && !(after.get(oid) ?? before.get(oid))?.isIndex && rank(prior) >= rank('ShareLock'))
            traced.alreadyHeld.push({ relation: name, mode: prior });
          continue;
        }
        if (inTx) held.set(oid, mode);
        const rel = after.get(oid) ?? before.get(oid);
        if (!rel || rel.isIndex) continue; // the table's lock is what the app waits on
        const name = rel.name;
        const created = !before.has(oid);
        const waits = inTx && !created ? await probe(s.prober, name) : waitsFor(mode);
        traced.locks.push({
          relation: name,
          mode,
          heldMs: traced.durationMs,
          waits,
          probed: inTx && !created,
          created,
        });
      }
      traced.locks.sort((a, b) => rank(b.mode) - rank(a.mode) || a.relation.localeCompare(b.relation));
      fileStatements.push({ traced, startedAt });
    }
    if (inTx) await s.runner.unsafe('commit');
    const committedAt = performance.now();
    // In a transaction every lock is held until the commit.
    if (inTx)
      for (const { traced, startedAt } of fileStatements)
        for (const l of traced.locks) l.heldMs = committedAt - startedAt;
    return true;
  } finally {
    if (inTx) await s.runner.unsafe('rollback').catch(() => {});
  }
}

function note(seen: Map<number, string>, oid: number, mode: string): void {
  const prior = seen.get(oid);
  if (!prior || rank(mode) > rank(prior)) seen.set(oid, mode);
}

/** Would a SELECT, an INSERT wait? Asked of the server by taking their locks from another session. */
async function probe(prober: Sql, relation: string): Promise<Waits> {
  const tryLock = async (mode: string) => {
    try {
      await prober.begin(async (tx) => {
        await tx.unsafe(`set local lock_timeout = '20ms'`);
        await tx.unsafe(`lock table ${relation} in ${mode} mode`);
      });
      return false;
    } catch (error) {
      if (sqlStateOf(error) === SqlState.lockNotAvailable) return true;
      throw error;
    }
  };
  if (await tryLock('access share')) return 'reads and writes';
  return (await tryLock('row exclusive')) ? 'writes' : 'nothing';
}

/** Makes the backend publish its table statistics, so cumulative counters include its last statement. */
async function flushStats(sql: Sql): Promise<void> {
  await sql`select pg_stat_force_next_flush()`;
  await sql`select pg_stat_clear_snapshot()`;
}

/** "20261201_x.sql:3 holds ACCESS EXCLUSIVE on public.metrics for 2.4 s (table rewrite): reads and writes wait". */
export function renderTrace(report: TraceReport): string[] {
  const lines: string[] = [];
  for (const t of report.statements) {
    const where = `${path.basename(t.file)}:${t.line}`;
    if (t.error) {
      lines.push(`${where} failed on the scratch copy: ${t.error}`);
      continue;
    }
    const shown = t.locks.filter((l) => !l.created && rank(l.mode) >= rank('ShareUpdateExclusiveLock'));
    const extra = [
      ...t.rewrote.map((r) => `${r}: table rewrite`),
      ...t.scanned.map((s) => `${s.relation}: scanned ${s.rows} rows`),
    ];
    if (!shown.length) {
      const held = t.alreadyHeld.map((h) => `${modeName(h.mode)} on ${h.relation}`);
      const what = held.length
        ? `no new lock (the file already holds ${held.join(', ')})`
        : 'no lock that makes the app wait';
      lines.push(
        `${where} ${t.statement.slice(0, 60)}: ${what} (${ms(t.durationMs)})${extra.length ? `; ${extra.join(', ')}` : ''}`,
      );
      continue;
    }
    for (const l of shown) {
      const why = [
        t.rewrote.includes(l.relation) ? 'table rewrite' : '',
        ...t.scanned.filter((s) => s.relation === l.relation).map((s) => `scanned ${s.rows} rows to validate`),
      ].filter(Boolean);
      const waits = l.waits === 'nothing' ? 'reads and writes go on' : `${l.waits} wait`;
      lines.push(
        `${where} holds ${modeName(l.mode)} on ${l.relation} for ${ms(l.heldMs)}${why.length ? ` (${why.join(', ')})` : ''}: ${waits}${l.probed ? '' : ' (by the conflict table)'}; statement ${ms(t.durationMs)}`,
      );
    }
  }
  if (report.failed)
    lines.push(`The trace stopped at ${report.failed.file}:${report.failed.line}; later statements were not run.`);
  return lines;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`;
}
