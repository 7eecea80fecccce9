/**
 * Restore: verify the backup, check the target is empty, migrate it to the backup's schema
 * version, then load every table in ONE transaction and compare each restored table with the
 * manifest (row count and a sha256 of its COPY text) before committing. A restore either leaves
 * the database identical to the backup or leaves its data as it was.
 *
 * Triggers: the load runs with session_replication_role = replica, so user triggers (a Supabase
 * project's on_auth_user_created, artists_set_email, ...) and the foreign-key triggers do not fire:
 * rows go in exactly as they were, and a trigger cannot insert a second copy of a row the backup
 * also holds. The rows come from one consistent snapshot in which every foreign key held; the
 * keys that point outside the backup (a table left out by backup.exclude) are checked after the
 * load. Where the role may not set session_replication_role, user triggers are disabled per table
 * instead (the restoring role owns the tables it migrated) and foreign keys are checked row by
 * row, in an order that loads referenced tables first.
 */
import fs from 'node:fs/promises';
import { withDb, type Sql } from '../db/connect.js';
import { CancelledError, DreamdbError, UsageError } from '../errors.js';
import { runMigrations, type MigrateSettings } from '../migrate/engine.js';
import { compareVersions } from '../plan/migrations.js';
import { COPY_SESSION, readAppliedMigrations } from './catalog.js';
import { loadBackup, type LoadEvent, type TriggerMode } from './load.js';
import type { TableEntry } from './manifest.js';
import { checkFiles, openBackup, type OpenedBackup } from './read.js';
import { splitQualified } from './scope.js';

export interface RestoreOptions {
  settings: MigrateSettings;
  cwd: string;
  env: NodeJS.ProcessEnv;
  keyEnv: string;
  /** Replace the data of a non-empty target (after `confirm`). */
  force?: boolean;
  /** Asked before replacing a non-empty target's data; false cancels. */
  confirm?: (what: string) => Promise<boolean>;
  /** ANALYZE the restored tables (default true): a restored database has no statistics. */
  analyze?: boolean;
  onProgress?: (event: RestoreProgress) => void;
}

export type RestoreProgress = { type: 'phase'; phase: 'verify' | 'migrate' | 'analyze' } | LoadEvent;

export interface RestoreResult {
  backup: string;
  backupId: string;
  schemaVersion: string | null;
  tables: number;
  rows: number;
  contentBytes: number;
  triggers: TriggerMode;
  replaced: boolean;
  warnings: string[];
  timings: { verifyMs: number; migrateMs: number; loadMs: number; checkMs: number; analyzeMs: number; totalMs: number };
}

export async function restoreBackup(dir: string, url: string, options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const emit = options.onProgress ?? (() => {});
  const warnings: string[] = [];
  const timings = { verifyMs: 0, migrateMs: 0, loadMs: 0, checkMs: 0, analyzeMs: 0, totalMs: 0 };

  emit({ type: 'phase', phase: 'verify' });
  let t = performance.now();
  const backup = await openBackup(dir, { env: options.env, keyEnv: options.keyEnv });
  const { manifest } = backup;
  if (manifest.kind === 'pg_dump') {
    throw new UsageError(`${dir} holds a pg_dump archive; dreamdb restores its own format only.`, {
      hint: `pg_restore --no-owner --dbname <url> ${dir}/${manifest.archive?.file ?? 'dump.pgdump'} (a pg_restore of PostgreSQL ${Math.floor(manifest.source.serverVersionNum / 10000)} or newer)`,
    });
  }
  const problems = await checkFiles(backup);
  if (problems.length)
    throw badBackup(
      dir,
      problems.map((p) => `${p.file} (${p.table}): ${p.problem}`),
    );
  timings.verifyMs = performance.now() - t;

  return withDb(
    url,
    async (sql) => {
      const data = manifest.tables.filter((e) => e.role === 'data');
      const occupied = await occupiedTables(sql, data);
      const targetLedger = await readAppliedMigrations(sql);
      const newer =
        manifest.schemaVersion === null
          ? []
          : targetLedger.migrations.filter((m) => compareVersions(m.version, manifest.schemaVersion!) > 0);
      const replaced = occupied.length > 0 || newer.length > 0;
      if (replaced) {
        const what = [
          occupied.length
            ? `${occupied.slice(0, 5).join(', ')}${occupied.length > 5 ? ` and ${occupied.length - 5} more` : ''} ha${occupied.length === 1 ? 's' : 've'} rows`
            : '',
          newer.length
            ? `its schema is newer than the backup's (${newer.at(-1)!.version} > ${manifest.schemaVersion})`
            : '',
        ]
          .filter(Boolean)
          .join('; ');
        if (!options.force) {
          throw new UsageError(`The target database is not empty: ${what}.`, {
            hint: 'Restore into a new, empty database (CREATE DATABASE ...; dreamdb restore <dir> --db <its url>), or pass --force to replace its data (asks you to confirm).',
          });
        }
        if (options.confirm && !(await options.confirm(`Replace the data of a non-empty database (${what})`)))
          throw new CancelledError('Not confirmed; nothing was restored.');
      }

      emit({ type: 'phase', phase: 'migrate' });
      t = performance.now();
      if (manifest.schemaVersion !== null) {
        const run = await runMigrations(url, {
          settings: options.settings,
          to: manifest.schemaVersion,
          toMayBeMissing: true,
          cwd: options.cwd,
        });
        const before = new Set(manifest.migrations.map((m) => m.version));
        for (const a of run.applied)
          if (!before.has(a.version))
            warnings.push(`applied ${a.version}_${a.name}, which the backup's database had not applied`);
      }
      await checkSchemaVersion(sql, backup, warnings, options.settings.dir);
      timings.migrateMs = performance.now() - t;

      const loaded = await loadBackup(sql, backup, data, { emit });
      timings.loadMs = loaded.loadMs;
      timings.checkMs = loaded.checkMs;

      if (options.analyze !== false && data.length) {
        emit({ type: 'phase', phase: 'analyze' });
        t = performance.now();
        await analyzeTables(url, loaded.analyzeStatements);
        timings.analyzeMs = performance.now() - t;
      }
      timings.totalMs = performance.now() - started;
      return {
        backup: dir,
        backupId: manifest.id,
        schemaVersion: manifest.schemaVersion,
        tables: data.length,
        rows: data.reduce((s, e) => s + e.rows, 0),
        contentBytes: data.reduce((s, e) => s + e.contentBytes, 0),
        triggers: loaded.triggers,
        replaced,
        warnings,
        timings: roundAll(timings),
      };
    },
    { max: 1, endOnLoss: true, connection: { ...COPY_SESSION, application_name: 'dreamdb restore' } },
  ).catch((error: unknown) => {
    throw privilegeError(error);
  });
}

/** Postgres refusing the restoring role something: say which role a restore needs. */
function privilegeError(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (error instanceof DreamdbError || e?.code !== '42501') return error;
  return new DreamdbError(`The restore was refused a privilege: ${e.message}.`, {
    hint: 'Restore as a role that owns the schema it migrates and bypasses RLS: a superuser, or postgres on Supabase.',
    cause: error,
  });
}

function badBackup(dir: string, lines: string[]): DreamdbError {
  return new DreamdbError(
    `${dir} is damaged: ${lines.length} file${lines.length === 1 ? '' : 's'} do${lines.length === 1 ? 'es' : ''} not match the manifest (${lines[0]}${lines.length > 1 ? ', ...' : ''}).`,
    {
      details: lines,
      hint: 'Nothing was restored. Use another backup; `dreamdb backup verify <dir>` checks one without restoring it.',
    },
  );
}

/**
 * The backup's tables that hold rows in the target other than those its migrations inserted. A
 * migration runs in one transaction with its ledger row, so a row whose xmin is a ledger row's
 * xmin was written by a migration and never changed since (the storage buckets, say): a database
 * migrated but never used counts as empty. Anything else written or changed there counts.
 */
async function occupiedTables(sql: Sql, data: readonly TableEntry[]): Promise<string[]> {
  const [has] = await sql<{ dreamdb: boolean; base: boolean; supabase: boolean }[]>`
    select pg_catalog.to_regclass('dreamdb.migrations') is not null as dreamdb,
           pg_catalog.to_regclass('dreamdb.base') is not null as base,
           pg_catalog.to_regclass('supabase_migrations.schema_migrations') is not null as supabase`;
  const sources = [
    ...(has?.dreamdb ? [sql`select m.xmin from dreamdb.migrations m`] : []),
    ...(has?.base ? [sql`select b.xmin from dreamdb.base b`] : []),
    ...(has?.supabase ? [sql`select s.xmin from supabase_migrations.schema_migrations s`] : []),
  ];
  const byMigrations = sources.reduce((all, q) => sql`${all} union all ${q}`, sql`select null::xid where false`);
  const roots = [...new Set(data.map((e) => e.parent ?? `${e.schema}.${e.name}`))];
  const occupied: string[] = [];
  for (const q of roots) {
    const [schema, name] = splitQualified(q);
    const [exists] = await sql<
      { ok: boolean }[]
    >`select pg_catalog.to_regclass(format('%I.%I', ${schema}::text, ${name}::text)) is not null as ok`;
    if (!exists?.ok) continue;
    const [row] = await sql<{ any: boolean }[]>`
      select exists (select from ${sql(schema)}.${sql(name)} t where not (t.xmin = any (array(${byMigrations})))) as any`;
    if (row?.any) occupied.push(q);
  }
  return occupied;
}

/** After migrating: the target must hold every migration the backup's database had applied. */
async function checkSchemaVersion(sql: Sql, backup: OpenedBackup, warnings: string[], dir: string): Promise<void> {
  const { manifest } = backup;
  if (manifest.schemaVersion === null) return;
  const target = await readAppliedMigrations(sql);
  const have = new Map(target.migrations.map((m) => [m.version, m]));
  const missing = manifest.migrations.filter((m) => !have.has(m.version));
  if (missing.length) {
    throw new DreamdbError(
      `The backup is at schema version ${manifest.schemaVersion}, but ${dir} lacks ${missing.length} of the migrations it was taken with: ${missing
        .slice(0, 5)
        .map((m) => `${m.version}_${m.name}`)
        .join(', ')}${missing.length > 5 ? ', ...' : ''}.`,
      {
        hint: 'Restore from the checkout of the project (its sql/migrations) the backup was taken with; no data was loaded.',
      },
    );
  }
  for (const m of manifest.migrations) {
    const now = have.get(m.version);
    if (m.checksum && now?.checksum && now.checksum !== m.checksum) {
      warnings.push(
        `migration ${m.version}_${m.name} differs from the one the backup's database applied (sha256 ${m.checksum.slice(0, 12)}… then, ${now.checksum.slice(0, 12)}… now)`,
      );
    }
  }
}

/**
 * A restored database has no planner statistics. ANALYZE on two connections, after the commit
 * (ANALYZE holds no lock the app would wait on); partitioned parents too, which autovacuum never
 * analyzes.
 */
async function analyzeTables(url: string, statements: readonly string[]): Promise<void> {
  await withDb(
    url,
    async (sql) => {
      const queue = [...statements];
      const worker = async () => {
        for (let s = queue.shift(); s; s = queue.shift()) await sql.unsafe(s);
      };
      await Promise.all([worker(), worker()]);
    },
    { max: 2, connection: { application_name: 'dreamdb restore (analyze)' } },
  );
}

function roundAll<T extends Record<string, number>>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)])) as T;
}

/** For dr-drill and tests: the size of a backup directory on disk. */
export async function backupSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      total += (await fs.stat(`${entry.parentPath ?? (entry as unknown as { path: string }).path}/${entry.name}`)).size;
  }
  return total;
}
