/**
 * A logical backup without pg_dump: one REPEATABLE READ READ ONLY snapshot, exported so several
 * connections read the same instant in parallel, each table streamed with COPY (SELECT ...) TO
 * STDOUT through gzip (and AES-256-GCM with --encrypt) into its own file. Everything goes into
 * `<name>.partial`; the manifest is written last and the directory renamed only then, so an
 * interrupted run can never be mistaken for a backup.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import { connect, withDb, type Sql } from '../db/connect.js';
import { SqlState, sqlStateOf } from '../db/pg-errors.js';
import { quoteLiteral } from '../db/quote.js';
import { DreamdbError, fileSystemError, LockUnavailableError, UsageError } from '../errors.js';
import { formatDuration } from '../config/values.js';
import { isSupabase } from '../migrate/engine.js';
import { packageRoot } from '../paths.js';
import type { BackupConfig } from '../config/backup.js';
import { COPY_SESSION, listSequences, listTables, readAppliedMigrations, serverInfo } from './catalog.js';
import { encryptStream, macOf, newBackupKeys, type BackupKeys } from './crypto.js';
import { readStructure, structureRoots } from './structure.js';
import { canonical, FORMAT, FORMAT_VERSION, writeManifest, type Manifest, type TableEntry } from './manifest.js';
import {
  fileNameFor,
  LEDGER_TABLES,
  qualified,
  sequencesInScope,
  schemaVersionOf,
  selectScope,
  type CatalogTable,
  type Scope,
} from './scope.js';
import { findPgDump, pgDumpSelection, runPgDump } from './pgdump.js';
import { batcher, meter, resumeAfterEnd } from './streams.js';

export interface BackupOptions {
  /** The directory the backup directory is created in. */
  outDir: string;
  /** The backup directory's name (default dreamdb-backup-<database>-<UTC time>). */
  name?: string;
  include: readonly string[];
  exclude: readonly string[];
  jobs: number;
  compression: 'gzip' | 'none';
  lockTimeoutMs: number;
  /** dreamdb (default): COPY files; pg_dump: one custom-format archive from a matching pg_dump. */
  format?: 'dreamdb' | 'pg_dump';
  /** Encrypt with the key in env[keyEnv]. */
  encrypt?: { env: NodeJS.ProcessEnv; keyEnv: string };
  /** Where to look for pg_dump (PATH, DREAMDB_PG_DUMP). */
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: BackupProgress) => void;
}

export type BackupProgress =
  | { type: 'snapshot'; tables: number; bytesEstimate: number }
  | { type: 'table'; table: string; done: number; total: number; rows: number; bytes: number }
  | { type: 'copying'; table: string; rows: number }
  | { type: 'leftover'; dirs: string[] };

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  durationMs: number;
}

export const toolVersion = (
  JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

export function backupSession(lockTimeoutMs: number, name = 'dreamdb backup') {
  return { ...COPY_SESSION, lock_timeout: `${lockTimeoutMs}ms`, application_name: name };
}

export async function createBackup(url: string, options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const emit = options.onProgress ?? (() => {});
  if (options.format === 'pg_dump' && options.encrypt) {
    throw new UsageError(
      '--encrypt works with the dreamdb format only: pg_restore could not read an encrypted archive.',
      {
        hint: 'Drop --format pg_dump (the dreamdb format restores with `dreamdb restore`), or encrypt the archive with your own tooling.',
      },
    );
  }
  const id = randomUUID();
  const keys = options.encrypt ? newBackupKeys(options.encrypt.env, options.encrypt.keyEnv, id) : undefined;
  const workers: Sql[] = [];
  let tempDir: string | undefined;
  // withDb: a failure to connect, or a connection lost on the way, is the one-line exit 2.
  const backUp = async (main: Sql): Promise<BackupResult> => {
    await main.unsafe('begin isolation level repeatable read read only');
    const info = await serverInfo(main);
    const scope = selectScope(await listTables(main), options.include, options.exclude);
    await lockTables(main, [...scope.parents, ...scope.data, ...scope.ledgers], options.lockTimeoutMs);
    const ledger = await readAppliedMigrations(main);
    const sequences = sequencesInScope(await listSequences(main), scope, options.include, options.exclude);
    const supabase = await isSupabase(main);
    const structure = await readStructure(main, structureRoots(scope.data));

    const pgDump =
      options.format === 'pg_dump' ? await findPgDump(Math.floor(info.versionNum / 10000), options.env) : undefined;

    const name =
      options.name ??
      (await freeName(
        options.outDir,
        `dreamdb-backup-${info.database.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp(new Date())}`,
      ));
    const finalDir = path.resolve(options.outDir, name);
    await fs.mkdir(options.outDir, { recursive: true });
    const leftovers = (await fs.readdir(options.outDir)).filter((n) => n.endsWith('.partial'));
    if (leftovers.length) emit({ type: 'leftover', dirs: leftovers });
    tempDir = `${finalDir}.partial`;
    // Personal data and encrypted tokens: readable by the owner only.
    await fs.mkdir(tempDir, { mode: 0o700 });
    await fs.mkdir(path.join(tempDir, 'data'), { mode: 0o700 });

    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      id,
      kind: options.format ?? 'dreamdb',
      createdAt: new Date().toISOString(),
      durationMs: 0,
      tool: { name: 'dreamdb', version: toolVersion },
      source: { database: info.database, serverVersion: info.version, serverVersionNum: info.versionNum, supabase },
      schemaVersion: schemaVersionOf(ledger.migrations),
      migrations: ledger.migrations,
      copyFormat: 'text',
      compression: options.compression,
      encryption: keys ? keys.spec : null,
      tables: [],
      sequences: sequences.map((s) => ({ schema: s.schema, name: s.name, lastValue: s.lastValue })),
      structure,
      archive: null,
      totals: { tables: 0, rows: 0, bytes: 0, contentBytes: 0 },
      mac: null,
    };

    if (pgDump) {
      const [snap] = await main<{ id: string }[]>`select pg_catalog.pg_export_snapshot() as id`;
      const args = [`--snapshot=${snap!.id}`, ...pgDumpSelection(options.include, options.exclude, LEDGER_TABLES)];
      emit({ type: 'snapshot', tables: scope.data.length, bytesEstimate: scope.data.reduce((s, t) => s + t.bytes, 0) });
      // Row counts in the same snapshot, while pg_dump reads it.
      const [measure, counts] = await Promise.all([
        runPgDump(pgDump, url, args, path.join(tempDir, 'dump.pgdump')),
        countRows(main, scope.data),
      ]);
      await fs.chmod(path.join(tempDir, 'dump.pgdump'), 0o600);
      await syncFile(path.join(tempDir, 'dump.pgdump'));
      manifest.compression = 'gzip';
      manifest.archive = {
        file: 'dump.pgdump',
        bytes: measure.bytes,
        sha256: measure.sha256(),
        pgDump: pgDump.version,
        args: args.filter((a) => !a.startsWith('--snapshot')),
        tables: counts,
      };
      manifest.totals = {
        tables: counts.length,
        rows: counts.reduce((s, t) => s + t.rows, 0),
        bytes: measure.bytes,
        contentBytes: 0,
      };
    } else {
      manifest.tables = await copyTables(url, main, scope, { ...options, id, keys, dir: tempDir, emit, workers });
      const data = manifest.tables.filter((t) => t.role === 'data');
      manifest.totals = {
        tables: data.length,
        rows: data.reduce((s, t) => s + t.rows, 0),
        bytes: manifest.tables.reduce((s, t) => s + t.bytes, 0),
        contentBytes: data.reduce((s, t) => s + t.contentBytes, 0),
      };
    }

    manifest.durationMs = Math.round(performance.now() - started);
    if (keys) manifest.mac = macOf(keys, canonical(manifest));
    await syncDir(path.join(tempDir, 'data'));
    await writeManifest(tempDir, manifest);
    await syncDir(tempDir);
    await main.unsafe('commit');
    await Promise.all(workers.map((w) => w.unsafe('commit')));

    await fs.rename(tempDir, finalDir);
    tempDir = undefined;
    await syncDir(path.dirname(finalDir));
    return { dir: finalDir, manifest, durationMs: manifest.durationMs };
  };
  try {
    return await withDb(url, backUp, { max: 1, connection: backupSession(options.lockTimeoutMs) });
  } catch (error) {
    throw fileSystemError(error, tempDir ?? options.outDir) ?? rlsError(lockTimeoutError(error, options.lockTimeoutMs));
  } finally {
    await Promise.all(workers.map((c) => c.end({ timeout: 5 }).catch(() => {})));
    if (tempDir) await fs.rm(tempDir, { recursive: true, force: true }).catch(() => {});
  }
}

interface CopyTablesOptions extends BackupOptions {
  id: string;
  keys: BackupKeys | undefined;
  dir: string;
  emit: (event: BackupProgress) => void;
  /** Extra connections opened here, closed by the caller. */
  workers: Sql[];
}

/** Every table of the scope into its file, `jobs` connections at a time on one snapshot. */
async function copyTables(url: string, main: Sql, scope: Scope, o: CopyTablesOptions): Promise<TableEntry[]> {
  // Biggest first, so the last table to finish is a small one.
  const all = [
    ...scope.data.map((t) => ({ t, role: 'data' as const })),
    ...scope.ledgers.map((t) => ({ t, role: 'ledger' as const })),
  ];
  const tasks = all.map((x, i) => ({
    ...x,
    file: fileNameFor(i + 1, x.t, { gzip: o.compression === 'gzip', encrypted: Boolean(o.keys) }),
  }));
  const queue = [...tasks].sort((a, b) => b.t.bytes - a.t.bytes);
  o.emit({ type: 'snapshot', tables: tasks.length, bytesEstimate: tasks.reduce((s, x) => s + x.t.bytes, 0) });

  const jobs = Math.max(1, Math.min(o.jobs, queue.length));
  if (jobs > 1) {
    const [snap] = await main<{ id: string }[]>`select pg_catalog.pg_export_snapshot() as id`;
    for (let i = 1; i < jobs; i += 1) {
      const w = connect(url, { max: 1, connection: backupSession(o.lockTimeoutMs, `dreamdb backup ${i + 1}`) });
      o.workers.push(w);
      await w.unsafe('begin isolation level repeatable read read only');
      // SET TRANSACTION SNAPSHOT takes no parameters; the id is the server's own, quoted anyway.
      await w.unsafe(`set transaction snapshot ${quoteLiteral(snap!.id)}`);
    }
  }

  const entries = new Map<string, TableEntry>();
  let done = 0;
  const runWorker = async (conn: Sql) => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      const t = task.t;
      const entry = await copyOut(
        conn,
        t,
        task.role,
        task.file,
        o.dir,
        { gzip: o.compression === 'gzip', keys: o.keys, backupId: o.id },
        (rows) => o.emit({ type: 'copying', table: qualified(t), rows }),
      );
      entries.set(task.file, entry);
      done += 1;
      o.emit({ type: 'table', table: qualified(t), done, total: tasks.length, rows: entry.rows, bytes: entry.bytes });
    }
  };
  await Promise.all(
    [main, ...o.workers].map((conn) =>
      runWorker(conn).catch((error: unknown) => {
        queue.length = 0; // the other workers stop after their current table
        throw error;
      }),
    ),
  );
  return tasks.map((x) => entries.get(x.file)!);
}

async function countRows(
  sql: Sql,
  tables: readonly CatalogTable[],
): Promise<{ schema: string; name: string; rows: number }[]> {
  const out: { schema: string; name: string; rows: number }[] = [];
  for (const t of tables) {
    const [row] = await sql<{ n: string }[]>`select count(*)::text as n from only ${sql(t.schema)}.${sql(t.name)}`;
    out.push({ schema: t.schema, name: t.name, rows: Number(row!.n) });
  }
  return out;
}

async function lockTables(sql: Sql, tables: readonly CatalogTable[], lockTimeoutMs: number): Promise<void> {
  if (!tables.length) return;
  // One LOCK statement, identifiers quoted by the server. ACCESS SHARE only conflicts with ACCESS
  // EXCLUSIVE: nothing the app does waits for the backup, but no DROP or ALTER can pull a table
  // out from under it.
  const [stmt] = await sql<{ text: string }[]>`
    select 'lock table ' || string_agg(format('%I.%I', s, n), ', ') || ' in access share mode' as text
      from unnest(${tables.map((t) => t.schema)}::text[], ${tables.map((t) => t.name)}::text[]) as u(s, n)`;
  try {
    await sql.unsafe(stmt!.text);
  } catch (error) {
    throw lockTimeoutError(error, lockTimeoutMs);
  }
}

/**
 * backup.lockTimeout ran out: in the LOCK of the tables, or earlier, in a catalog read that sizes a
 * table (pg_table_size takes ACCESS SHARE too). One line and a hint, wherever it happened.
 */
function lockTimeoutError(error: unknown, lockTimeoutMs: number): unknown {
  if (sqlStateOf(error) !== SqlState.lockNotAvailable) return error;
  return new LockUnavailableError(
    `Could not lock the tables for a consistent backup within ${formatDuration(lockTimeoutMs)}: something holds an exclusive lock (a migration, a VACUUM FULL, ...).`,
    {
      hint: '`dreamdb doctor` shows blocked and long-running sessions; retry when it is done, or raise backup.lockTimeout.',
      cause: error,
    },
  );
}

interface CopyOutOptions {
  gzip: boolean;
  keys: BackupKeys | undefined;
  backupId: string;
}

async function copyOut(
  conn: Sql,
  table: CatalogTable,
  role: 'data' | 'ledger',
  file: string,
  dir: string,
  options: CopyOutOptions,
  onRows: (rows: number) => void,
): Promise<TableEntry> {
  let lastReport = performance.now();
  const content = meter((m) => {
    const now = performance.now();
    if (now - lastReport > 1000) {
      lastReport = now;
      onRows(m.lines);
    }
  });
  const stored = meter();
  const source = resumeAfterEnd(
    (await conn`copy (select ${conn(table.columns)} from only ${conn(table.schema)}.${conn(table.name)}) to stdout`.readable()) as Readable,
  );
  const steps: Transform[] = [batcher(), content.stream];
  if (options.gzip) steps.push(createGzip({ level: 1 }));
  if (options.keys) steps.push(encryptStream(options.keys, options.backupId, file));
  steps.push(stored.stream);
  const full = path.join(dir, file);
  await pipeline([source, ...steps, createWriteStream(full, { mode: 0o600 })]);
  await syncFile(full);
  return {
    schema: table.schema,
    name: table.name,
    parent: table.parent,
    bound: table.bound,
    role,
    columns: table.columns,
    rows: content.measure.lines,
    file,
    bytes: stored.measure.bytes,
    sha256: stored.measure.sha256(),
    contentBytes: content.measure.bytes,
    contentSha256: content.measure.sha256(),
  };
}

/** A backup role subject to row level security would silently miss rows: say so. */
function rlsError(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (sqlStateOf(error) === SqlState.insufficientPrivilege && /row-level security/i.test(e.message ?? '')) {
    return new DreamdbError(
      `The backup role is subject to row level security: ${e.message}. A backup taken this way would silently miss rows.`,
      {
        hint: 'Back up as a role that bypasses RLS: a superuser, or one with BYPASSRLS (postgres on Supabase).',
        cause: error,
      },
    );
  }
  return error;
}

/** yyyymmddTHHMMSSZ */
export function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

async function freeName(dir: string, base: string): Promise<string> {
  for (let i = 1; ; i += 1) {
    const name = i === 1 ? base : `${base}-${i}`;
    const taken = await Promise.all(
      [fs.access(path.join(dir, name)), fs.access(path.join(dir, `${name}.partial`))].map((p) =>
        p.then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!taken.some(Boolean)) return name;
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the data files themselves are synced.
  } finally {
    await handle.close();
  }
}

/** The config's backup section as createBackup's settings (the drill takes the same). */
export function backupSettingsFrom(
  cfg: BackupConfig,
  encryptWith?: NodeJS.ProcessEnv,
): Pick<BackupOptions, 'include' | 'exclude' | 'jobs' | 'compression' | 'lockTimeoutMs' | 'encrypt'> {
  return {
    include: cfg.include,
    exclude: cfg.exclude,
    jobs: cfg.jobs,
    compression: cfg.compression,
    lockTimeoutMs: cfg.lockTimeout,
    encrypt: encryptWith ? { env: encryptWith, keyEnv: cfg.keyEnv } : undefined,
  };
}
