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
import { withDb, type Sql } from '../../db/connect.js';
import { createDatabase, databaseOf, dropDatabase, withDatabase, withMaintenanceDb } from '../../db/databases.js';
import { SqlState, sqlStateOf } from '../../db/pg-errors.js';
import { quoteIdent, quoteLiteral } from '../../db/quote.js';
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

/**
 * Makes the scratch database on `server`: a copy of `template` when given and possible, else an
 * empty one (the target has other sessions: 55006). 'no createdb' when the user may not create
 * databases there (42501) and another server can stand in.
 */
async function createScratch(
  server: string,
  name: string,
  options: { template?: string; canFallBack: boolean },
): Promise<{ method: Scratch['method']; reason: string } | 'no createdb'> {
  return withMaintenanceDb(server, async (admin) => {
    await sweepStale(admin);
    let reason = 'no CREATEDB on the target';
    if (options.template) {
      try {
        await createDatabase(admin, name, { template: options.template });
        await mark(admin, name);
        return { method: 'template' as const, reason: '' };
      } catch (error) {
        const code = sqlStateOf(error);
        if (code === SqlState.insufficientPrivilege && options.canFallBack) return 'no createdb' as const;
        if (code !== OBJECT_IN_USE) throw error;
        reason = 'the target has other sessions, so it cannot be a template';
      }
    }
    await createDatabase(admin, name);
    await mark(admin, name);
    return { method: 'rebuilt' as const, reason };
  });
}

/** 55006: CREATE DATABASE … TEMPLATE while someone is connected to the template. */
const OBJECT_IN_USE = '55006';

export async function withScratchCopy<T>(
  targetUrl: string,
  options: ScratchOptions,
  fn: (scratch: Scratch) => Promise<T>,
): Promise<T> {
  const name = `dreamdb_trace_${randomBytes(5).toString('hex')}`;
  let server = targetUrl;
  let release: (() => Promise<void>) | undefined;
  try {
    let made = await createScratch(server, name, {
      template: databaseOf(targetUrl),
      canFallBack: Boolean(options.fallbackServer),
    });
    if (made === 'no createdb') {
      // Rebuild on the embedded server instead.
      const fallback = await options.fallbackServer!();
      release = fallback.release;
      server = fallback.url;
      made = (await createScratch(server, name, { canFallBack: false })) as {
        method: Scratch['method'];
        reason: string;
      };
    }
    const scratch: Scratch = {
      url: withDatabase(server, name),
      name,
      method: made.method,
      server: release ? 'embedded' : 'target',
      copiedRows: 0,
    };
    if (made.method === 'rebuilt') {
      options.onProgress?.(`trace: rebuilding a scratch copy (${made.reason})`);
      await runMigrations(scratch.url, { settings: options.settings, cwd: options.cwd, to: options.appliedTo ?? '0' });
      scratch.copiedRows = await copySample(targetUrl, scratch.url, options.rows, options.onProgress);
    }
    return await fn(scratch);
  } finally {
    // Always dropped, whatever happened above: (force) ends any session still inside it.
    try {
      await withMaintenanceDb(server, (admin) => dropDatabase(admin, name, { force: true }));
    } finally {
      await release?.();
    }
  }
}

const MARK = 'dreamdb trace scratch copy, created ';

async function mark(admin: Sql, name: string): Promise<void> {
  await admin.unsafe(`comment on database ${quoteIdent(name)} is ${quoteLiteral(MARK + new Date().toISOString())}`);
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
  for (const { datname } of stale) await dropDatabase(admin, datname).catch(() => {});
}

/** Up to `limit` rows of every ordinary table the two databases share, target → scratch, with COPY. */
async function copySample(
  fromUrl: string,
  toUrl: string,
  limit: number,
  onProgress?: (text: string) => void,
): Promise<number> {
  if (limit <= 0) return 0;
  let total = 0;
  return withDb(fromUrl, (from) =>
    withDb(toUrl, async (to) => {
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
          const source = resumeAfterEnd(
            await from
              .unsafe(`copy (select ${t.columns} from ${t.qualified} limit ${Math.floor(limit)}) to stdout`)
              .readable(),
          );
          await copyInto(tx.unsafe(`copy ${t.qualified} (${t.columns}) from stdin`), [source]);
          const [n] = await tx.unsafe<{ n: number }[]>(`select count(*)::int as n from ${t.qualified}`);
          total += n?.n ?? 0;
        }
      });
      await to.unsafe('analyze');
      onProgress?.(`trace: copied ${total} sample rows into the scratch copy`);
      return total;
    }),
  );
}
