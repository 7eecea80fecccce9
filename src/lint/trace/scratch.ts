/**
 * A scratch copy of the target to apply pending files on, always dropped afterwards.
 *
 * First choice: `CREATE DATABASE … TEMPLATE target` on the same server (an exact copy, data
 * included). Postgres refuses that while anyone else is connected to the target (55006), which
 * is the normal state of a live database; then the copy is rebuilt: an empty database on the same
 * server (or on the embedded server when the target's user may not create databases), migrated
 * through the real engine to what the target has applied, and loaded with up to `rows` rows per
 * table sampled from the target, so rewrites and validation scans have representative work.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Sql } from '../../db/connect.js';
import { DreamdbError } from '../../errors.js';
import { runMigrations, type MigrateSettings } from '../../migrate/engine.js';
// postgres.js COPY streams have two hangs, worked around once in the backup code: reuse it.
import { copyInto, resumeAfterEnd } from '../../backup/streams.js';

export interface ScratchOptions {
  /** Rows per table copied into a rebuilt scratch (0: schema only). */
  rows: number;
  /** The newest version the target has applied (the rebuilt schema stops there). */
  appliedTo: string | undefined;
  settings: MigrateSettings;
  cwd: string;
  /** Another server to rebuild on when the target's user may not create databases. */
  fallbackServer?: () => Promise<{ url: string; release(): Promise<void> }>;
  onProgress?: (text: string) => void;
}

export interface Scratch {
  url: string;
  name: string;
  method: 'template' | 'rebuilt';
  /** Where it lives: the target's server or the embedded one. */
  server: 'target' | 'embedded';
  copiedRows: number;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Postgres error code of a failure, if it is one. */
const codeOf = (error: unknown) => (error as { code?: string }).code;

/** A connection to the same server but another database, to run CREATE/DROP DATABASE from. */
async function maintenance(url: string): Promise<Sql> {
  for (const db of ['postgres', 'template1']) {
    const sql = connect(withDatabase(url, db), { max: 1 });
    try {
      await sql`select 1`;
      return sql;
    } catch {
      await sql.end({ timeout: 1 });
    }
  }
  throw new DreamdbError('The trace needs a maintenance database (postgres or template1) on the target\'s server to create its scratch copy from.');
}

export async function withScratchCopy<T>(targetUrl: string, options: ScratchOptions, fn: (scratch: Scratch) => Promise<T>): Promise<T> {
  const name = `dreamdb_trace_${randomBytes(5).toString('hex')}`;
  const target = new URL(targetUrl).pathname.replace(/^\//, '') || 'postgres';
  let server = targetUrl;
  let release: (() => Promise<void>) | undefined;
  let admin = await maintenance(server);
  let scratch: Scratch | undefined;
  try {
    await sweepStale(admin);
    try {
      await admin.unsafe(`create database "${name}" template "${target.replace(/"/g, '""')}"`);
      await mark(admin, name);
      scratch = { url: withDatabase(server, name), name, method: 'template', server: 'target', copiedRows: 0 };
    } catch (error) {
      if (codeOf(error) === '42501' && options.fallbackServer) {
        // No CREATEDB here: rebuild on the embedded server instead.
        await admin.end({ timeout: 5 });
        const fallback = await options.fallbackServer();
        release = fallback.release;
        server = fallback.url;
        admin = await maintenance(server);
      } else if (codeOf(error) !== '55006') throw error;
      options.onProgress?.(`trace: rebuilding a scratch copy (${codeOf(error) === '55006' ? 'the target has other sessions, so it cannot be a template' : 'no CREATEDB on the target'})`);
      await admin.unsafe(`create database "${name}"`);
      await mark(admin, name);
      scratch = { url: withDatabase(server, name), name, method: 'rebuilt', server: release ? 'embedded' : 'target', copiedRows: 0 };
      await runMigrations(scratch.url, { settings: options.settings, cwd: options.cwd, to: options.appliedTo ?? '0' });
      scratch.copiedRows = await copySample(targetUrl, scratch.url, options.rows, options.onProgress);
    }
    return await fn(scratch);
  } finally {
    // Always dropped, whatever happened above: (force) ends any session still inside it.
    try {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end({ timeout: 5 });
      await release?.();
    }
  }
}

const MARK = 'dreamdb trace scratch copy, created ';

async function mark(admin: Sql, name: string): Promise<void> {
  await admin.unsafe(`comment on database "${name}" is '${MARK}${new Date().toISOString()}'`);
}

/**
 * A trace killed before its `finally` (kill -9, a lost machine) leaves its scratch copy behind:
 * drop marked ones older than an hour that nobody is connected to.
 */
async function sweepStale(admin: Sql): Promise<void> {
  const stale = await admin<{ datname: string }[]>`
    select d.datname from pg_database d
    where d.datname like 'dreamdb\_trace\_%' and shobj_description(d.oid, 'pg_database') like ${MARK + '%'}
      and substr(shobj_description(d.oid, 'pg_database'), ${MARK.length + 1})::timestamptz < now() - interval '1 hour'
      and not exists (select 1 from pg_stat_activity a where a.datid = d.oid)`;
  for (const { datname } of stale) await admin.unsafe(`drop database if exists "${datname}"`).catch(() => {});
}

/** Up to `limit` rows of every ordinary table the two databases share, target → scratch, with COPY. */
async function copySample(fromUrl: string, toUrl: string, limit: number, onProgress?: (text: string) => void): Promise<number> {
  if (limit <= 0) return 0;
  const from = connect(fromUrl, { max: 1 });
  const to = connect(toUrl, { max: 1 });
  let total = 0;
  try {
    const tables = await to<{ qualified: string; columns: string }[]>`
      select format('%I.%I', n.nspname, c.relname) as qualified,
             string_agg(format('%I', a.attname), ', ' order by a.attnum) as columns
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema', 'dreamdb', 'supabase_migrations')
        and n.nspname not like 'pg\\_%'
      group by 1`;
    await to.begin(async (tx) => {
      // A sample breaks foreign keys between tables; the scratch copy does not need them checked.
      await tx`set local session_replication_role = replica`;
      for (const t of tables) {
        const [exists] = await from<{ ok: boolean }[]>`select to_regclass(${t.qualified}) is not null as ok`;
        if (!exists?.ok) continue;
        const source = resumeAfterEnd(await from.unsafe(`copy (select ${t.columns} from ${t.qualified} limit ${Math.floor(limit)}) to stdout`).readable());
        await copyInto(tx.unsafe(`copy ${t.qualified} (${t.columns}) from stdin`), [source]);
        const [n] = await tx.unsafe<{ n: number }[]>(`select count(*)::int as n from ${t.qualified}`);
        total += n?.n ?? 0;
      }
    });
    await to.unsafe('analyze');
    onProgress?.(`trace: copied ${total} sample rows into the scratch copy`);
    return total;
  } finally {
    await from.end({ timeout: 5 });
    await to.end({ timeout: 5 });
  }
}
