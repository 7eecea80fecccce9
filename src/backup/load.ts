/**
 * The load of a restore, in one transaction: triggers quiet, tables truncated, partitions
 * recreated, indexes dropped and rebuilt around COPY ... FREEZE, sequences set, foreign keys that
 * leave the backup checked, and every table compared with the manifest before the commit.
 */
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { Sql } from '../db/connect.js';
import { DreamdbError } from '../errors.js';
import { listForeignKeys } from './catalog.js';
import { compareStructure, readStructure } from './structure.js';
import type { TableEntry } from './manifest.js';
import { tableContent, whyUnreadable, type OpenedBackup } from './read.js';
import { loadOrder, splitQualified, yearOfBound } from './scope.js';
import { copyInto, meter, resumeAfterEnd } from './streams.js';

export type TriggerMode = 'replica' | 'disabled per table';

export type LoadEvent =
  | { type: 'phase'; phase: 'load' | 'index' | 'check' }
  | { type: 'table'; phase: 'load' | 'check'; table: string; done: number; total: number; rows: number };

export interface LoadResult {
  triggers: TriggerMode;
  loadMs: number;
  checkMs: number;
  /** ANALYZE statements for the restored tables, biggest first, to run after the commit. */
  analyzeStatements: string[];
}

/**
 * Loads the backup's tables into the migrated target in one transaction and commits only when
 * every table reads back identical to the manifest. Rolls back on any failure.
 */
export async function loadBackup(
  sql: Sql,
  backup: OpenedBackup,
  data: readonly TableEntry[],
  ctx: { emit: (event: LoadEvent) => void },
): Promise<LoadResult> {
  const { manifest } = backup;
  const result: LoadResult = { triggers: 'replica', loadMs: 0, checkMs: 0, analyzeStatements: [] };
  const started = performance.now();
  const loaded = new Set<string>();
  ctx.emit({ type: 'phase', phase: 'load' });
  await sql.unsafe('begin');
  try {
    result.triggers = await quietTriggers(sql);
    const targets = await resolveTargets(sql, data);
    const roots = [...new Set(data.map((e) => e.parent ?? `${e.schema}.${e.name}`))];
    for (const r of roots) loaded.add(r);
    for (const t of targets.leaf.values()) loaded.add(`${t.schema}.${t.name}`);
    const missingRoots = roots.filter((r) => !targets.roots.has(r));
    if (missingRoots.length) {
      throw new DreamdbError(
        `The backup holds table${missingRoots.length === 1 ? '' : 's'} the migrated target does not have: ${missingRoots.join(', ')}.`,
        {
          hint: 'Tables outside the migrations cannot be restored this way: create them with a migration (dreamdb migration new), or leave them out of backups with backup.exclude.',
        },
      );
    }
    // Always: rows a migration inserted (the storage buckets, say) are in the backup too, as they
    // were at backup time. Truncating in this transaction also lets COPY write the rows frozen.
    await truncate(sql, roots);
    if (result.triggers === 'disabled per table') await setUserTriggers(sql, roots, 'disable');

    // Like pg_restore: indexes are built once over the loaded rows instead of row by row.
    const rebuild = await dropIndexesForLoad(sql, roots);
    const keys = await listForeignKeys(sql);
    const order = loadOrder(roots, keys).order;
    const entries = order.flatMap((root) => data.filter((e) => (e.parent ?? `${e.schema}.${e.name}`) === root));
    let done = 0;
    for (const entry of entries) {
      const target = targets.leaf.get(entry.file)!;
      // The files were checked against the manifest before the load; the proof that the rows
      // arrived intact is the comparison below, read back from the database itself.
      const { streams } = await tableContent(backup, entry, { measure: false });
      try {
        await copyInto(
          sql`copy ${sql(target.schema)}.${sql(target.name)} (${sql(entry.columns)}) from stdin with (freeze)`,
          streams,
        );
      } catch (error) {
        throw explainLoad(entry, await whyUnreadable(backup, entry, error));
      }
      done += 1;
      ctx.emit({
        type: 'table',
        phase: 'load',
        table: `${entry.schema}.${entry.name}`,
        done,
        total: entries.length,
        rows: entry.rows,
      });
    }
    ctx.emit({ type: 'phase', phase: 'index' });
    // Index builds sort: give them room for this transaction, as one would for pg_restore.
    await sql`select pg_catalog.set_config('maintenance_work_mem', '256MB', true)
               where pg_catalog.pg_size_bytes(pg_catalog.current_setting('maintenance_work_mem')) < 256 * 1024 * 1024`;
    for (const statement of rebuild) await sql.unsafe(statement);
    await restoreSequences(sql, manifest.sequences);
    if (result.triggers === 'replica') await checkOutsideKeys(sql, roots);
    if (result.triggers === 'disabled per table') await setUserTriggers(sql, roots, 'enable');
    result.loadMs = performance.now() - started;

    // The proof: every restored table, read back, is byte for byte the backup's COPY text.
    ctx.emit({ type: 'phase', phase: 'check' });
    const checkStarted = performance.now();
    const mismatches: string[] = [];
    done = 0;
    for (const entry of entries) {
      const target = targets.leaf.get(entry.file)!;
      const m = meter();
      const out = resumeAfterEnd(
        await sql`copy (select ${sql(entry.columns)} from only ${sql(target.schema)}.${sql(target.name)}) to stdout`.readable(),
      );
      await pipeline(out, m.stream, new Writable({ write: (_c, _e, cb) => cb() }));
      if (m.measure.lines !== entry.rows)
        mismatches.push(
          `${entry.schema}.${entry.name}: ${m.measure.lines} rows restored, the backup has ${entry.rows}`,
        );
      else if (m.measure.sha256() !== entry.contentSha256)
        mismatches.push(`${entry.schema}.${entry.name}: the restored rows differ from the backup's (sha256)`);
      done += 1;
      ctx.emit({
        type: 'table',
        phase: 'check',
        table: `${entry.schema}.${entry.name}`,
        done,
        total: entries.length,
        rows: m.measure.lines,
      });
    }
    if (mismatches.length) {
      throw new DreamdbError(
        `The restored data does not match the backup in ${mismatches.length} table(s); rolled back, nothing was restored.`,
        {
          details: mismatches,
          hint: 'Check that the target server can store the values exactly (same or newer PostgreSQL major, UTF8 encoding); run with --debug and report it.',
        },
      );
    }
    if (manifest.structure) {
      const differences = compareStructure(manifest.structure, await readStructure(sql, roots));
      if (differences.length) {
        throw new DreamdbError(
          `The restored structure differs from the backup's in ${differences.length} place(s) (${differences[0]}); rolled back, nothing was restored.`,
          {
            details: differences.slice(0, 50),
            hint: 'Restore with the checkout of the project the backup was taken with (its sql/migrations), into a server of the same PostgreSQL major; `dreamdb doctor` on the source shows invalid indexes and NOT VALID constraints.',
          },
        );
      }
    }
    result.checkMs = performance.now() - checkStarted;
    await sql.unsafe('commit');
  } catch (error) {
    await sql.unsafe('rollback').catch(() => {});
    throw error;
  }
  // Every loaded table and partitioned parent, biggest first.
  const rows = await sql<{ text: string }[]>`
    select format('analyze %s', c.oid::regclass) as text
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where (n.nspname || '.' || c.relname) = any(${[...loaded]}::text[])
     order by c.relkind = 'p', pg_catalog.pg_relation_size(c.oid) desc`;
  result.analyzeStatements = rows.map((r) => r.text);
  return result;
}

/** session_replication_role = replica for the load, or else user triggers disabled per table. */
async function quietTriggers(sql: Sql): Promise<TriggerMode> {
  await sql.unsafe('savepoint dreamdb_srr');
  try {
    await sql.unsafe('set local session_replication_role = replica');
    await sql.unsafe('release savepoint dreamdb_srr');
    return 'replica';
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    await sql.unsafe('rollback to savepoint dreamdb_srr');
    return 'disabled per table';
  }
}

async function setUserTriggers(sql: Sql, roots: readonly string[], how: 'enable' | 'disable'): Promise<void> {
  const rows = await sql<{ text: string }[]>`
    select format('alter table %I.%I %s trigger user', n.nspname, c.relname, ${how === 'enable' ? 'enable' : 'disable'}::text) as text
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where (n.nspname || '.' || c.relname) = any(${roots as string[]}::text[])
       and exists (select 1 from pg_catalog.pg_trigger tg where tg.tgrelid = c.oid and not tg.tgisinternal)`;
  for (const r of rows) await sql.unsafe(r.text);
}

/**
 * Drops the indexes of the tables about to be loaded that nothing else depends on, and returns
 * the statements that recreate them exactly (constraints with their names and options, comments
 * included). Kept in place: indexes a foreign key uses, the replica identity, a CLUSTER index,
 * exclusion constraints, and indexes with per-column statistics targets. All of it happens inside
 * the load's transaction, so a failed restore leaves every index as it was.
 */
async function dropIndexesForLoad(sql: Sql, roots: readonly string[]): Promise<string[]> {
  const rows = await sql<{ drop: string; create: string; comment: string | null }[]>`
    select case when k.oid is not null
                then format('alter table %s drop constraint %I', i.indrelid::regclass, k.conname)
                else format('drop index %s', i.indexrelid::regclass) end as drop,
           case when k.oid is not null
                then format('alter table %s add constraint %I %s', i.indrelid::regclass, k.conname, pg_catalog.pg_get_constraintdef(k.oid))
                -- a partitioned parent's definition says ON ONLY: replayed as is, the index stays
                -- INVALID and no partition gets one. Without ONLY it recurses into the partitions.
                when t.relkind = 'p' then pg_catalog.regexp_replace(pg_catalog.pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
                else pg_catalog.pg_get_indexdef(i.indexrelid) end as create,
           case when k.oid is not null
                then (select format('comment on constraint %I on %s is %L', k.conname, i.indrelid::regclass, d) from pg_catalog.obj_description(k.oid, 'pg_constraint') d where d is not null)
                else (select format('comment on index %s is %L', i.indexrelid::regclass, d) from pg_catalog.obj_description(i.indexrelid, 'pg_class') d where d is not null) end as comment
      from pg_catalog.pg_index i
      join pg_catalog.pg_class t on t.oid = i.indrelid
      join pg_catalog.pg_namespace n on n.oid = t.relnamespace
      left join pg_catalog.pg_constraint k on k.conindid = i.indexrelid and k.conrelid = i.indrelid and k.contype in ('p', 'u', 'x')
     where (n.nspname || '.' || t.relname) = any(${roots as string[]}::text[])
       and not i.indisreplident and not i.indisclustered and i.indisvalid
       and (k.oid is null or k.contype <> 'x')
       and not exists (select 1 from pg_catalog.pg_constraint f where f.contype = 'f' and f.conindid = i.indexrelid)
       and not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = i.indexrelid and coalesce(a.attstattarget::int, -1) not in (-1))
       -- an index of a partitioned parent is dropped and rebuilt through its parent
       and not exists (select 1 from pg_catalog.pg_inherits h where h.inhrelid = i.indexrelid)
     order by 1`;
  for (const r of rows) await sql.unsafe(r.drop);
  return rows.flatMap((r) => (r.comment ? [r.create, r.comment] : [r.create]));
}

interface Targets {
  roots: Set<string>;
  /** Backup file -> the target table its rows go into. */
  leaf: Map<string, { schema: string; name: string }>;
}

/**
 * Where each backup table goes. Partitions are matched by their bounds, so a backup restores
 * whatever the target names them; years the target lacks are created with the partition
 * migration's own function (dreamdb.ensure_metrics_partition), which gives them RLS and grants
 * exactly like rotation does.
 */
async function resolveTargets(sql: Sql, data: readonly TableEntry[]): Promise<Targets> {
  const targets: Targets = { roots: new Set(), leaf: new Map() };
  const exists = async (q: string) => {
    const [schema, name] = splitQualified(q);
    const [row] = await sql<
      { ok: boolean }[]
    >`select pg_catalog.to_regclass(format('%I.%I', ${schema}::text, ${name}::text)) is not null as ok`;
    return Boolean(row?.ok);
  };
  const partitionsOf = async (parent: string) => {
    const [schema, name] = splitQualified(parent);
    return sql<{ schema: string; name: string; bound: string }[]>`
      select n.nspname as schema, c.relname as name, pg_catalog.pg_get_expr(c.relpartbound, c.oid) as bound
        from pg_catalog.pg_inherits i
        join pg_catalog.pg_class c on c.oid = i.inhrelid
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where i.inhparent = format('%I.%I', ${schema}::text, ${name}::text)::regclass`;
  };
  const [fn] = await sql<
    { ok: boolean }[]
  >`select pg_catalog.to_regprocedure('dreamdb.ensure_metrics_partition(integer, text)') is not null as ok`;
  for (const entry of data) {
    const root = entry.parent ?? `${entry.schema}.${entry.name}`;
    if (!targets.roots.has(root) && (await exists(root))) targets.roots.add(root);
    if (!targets.roots.has(root)) continue;
    if (!entry.parent) {
      targets.leaf.set(entry.file, { schema: entry.schema, name: entry.name });
      continue;
    }
    let match = (await partitionsOf(entry.parent)).find((p) => p.bound === entry.bound);
    const year = yearOfBound(entry.bound);
    if (!match && year !== null && fn?.ok) {
      await sql`select dreamdb.ensure_metrics_partition(${year}::int, ${entry.parent}::text)`;
      match = (await partitionsOf(entry.parent)).find((p) => p.bound === entry.bound);
    }
    if (!match) {
      throw new DreamdbError(
        `The backup holds partition ${entry.schema}.${entry.name} of ${entry.parent} (${entry.bound ?? 'no bound'}), and the target has no partition with that range.`,
        {
          hint:
            year === null
              ? 'dreamdb recreates yearly partitions only: create this one by hand, then rerun with --force.'
              : 'The partition function dreamdb.ensure_metrics_partition is missing: migrate the target first.',
        },
      );
    }
    targets.leaf.set(entry.file, { schema: match.schema, name: match.name });
  }
  return targets;
}

async function truncate(sql: Sql, roots: readonly string[]): Promise<void> {
  // A backup with no tables (an unmigrated database) has nothing to replace: no TRUNCATE of nothing.
  if (!roots.length) return;
  const [stmt] = await sql<{ text: string }[]>`
    select 'truncate table ' || string_agg(format('%I.%I', split_part(r, '.', 1), substr(r, strpos(r, '.') + 1)), ', ') as text
      from unnest(${roots as string[]}::text[]) as r`;
  try {
    await sql.unsafe(stmt!.text);
  } catch (error) {
    if ((error as { code?: string }).code === '0A000') {
      throw new DreamdbError(`Cannot replace the target's data: ${(error as Error).message}.`, {
        hint: 'A table outside the backup references one inside it; restore into a new, empty database instead.',
        cause: error,
      });
    }
    throw error;
  }
}

async function restoreSequences(
  sql: Sql,
  sequences: readonly { schema: string; name: string; lastValue: string | null }[],
): Promise<void> {
  for (const s of sequences) {
    if (s.lastValue === null) continue;
    await sql`
      select pg_catalog.setval(format('%I.%I', ${s.schema}::text, ${s.name}::text)::regclass, ${s.lastValue}::bigint, true)
       where pg_catalog.to_regclass(format('%I.%I', ${s.schema}::text, ${s.name}::text)) is not null`;
  }
}

/**
 * Foreign keys from a restored table to a table the backup does not hold were not checked by the
 * load (triggers off): check them now, in the same transaction.
 */
async function checkOutsideKeys(sql: Sql, roots: readonly string[]): Promise<void> {
  const checks = await sql<{ name: string; child: string; parent: string; query: string }[]>`
    select con.conname as name, con.conrelid::regclass::text as child, con.confrelid::regclass::text as parent,
           format('select count(*)::bigint as n from %s c where %s and not exists (select 1 from %s p where %s)',
             con.conrelid::regclass,
             (select string_agg(format('c.%I is not null', a.attname), ' and ')
                from unnest(con.conkey) k join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k),
             con.confrelid::regclass,
             (select string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' and ')
                from unnest(con.conkey, con.confkey) as u(ck, pk)
                join pg_catalog.pg_attribute ca on ca.attrelid = con.conrelid and ca.attnum = u.ck
                join pg_catalog.pg_attribute pa on pa.attrelid = con.confrelid and pa.attnum = u.pk)) as query
      from pg_catalog.pg_constraint con
      join pg_catalog.pg_class f on f.oid = con.conrelid join pg_catalog.pg_namespace fn on fn.oid = f.relnamespace
      join pg_catalog.pg_class t on t.oid = con.confrelid join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
     where con.contype = 'f' and con.conparentid = 0
       and (fn.nspname || '.' || f.relname) = any(${roots as string[]}::text[])
       and not (tn.nspname || '.' || t.relname) = any(${roots as string[]}::text[])`;
  for (const c of checks) {
    const [row] = await sql.unsafe<{ n: string }[]>(c.query);
    if (row && Number(row.n) > 0) {
      throw new DreamdbError(
        `${row.n} restored row(s) of ${c.child} reference ${c.parent}, which the backup does not hold and the target lacks (foreign key ${c.name}); rolled back.`,
        {
          hint: `Include ${c.parent} in backups (backup.include), or restore where it already holds those rows.`,
        },
      );
    }
  }
}

function explainLoad(entry: TableEntry, error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (e?.code === '42501' || /row-level security/i.test(e?.message ?? '')) {
    return new DreamdbError(`Cannot load ${entry.schema}.${entry.name}: ${e.message}.`, {
      hint: 'Restore as a role that owns the tables and bypasses RLS (a superuser, or postgres on Supabase).',
      cause: error,
    });
  }
  if (e?.code && /^(22|23)/.test(e.code)) {
    return new DreamdbError(
      `Loading ${entry.schema}.${entry.name} failed: ${e.message}; rolled back, nothing was restored.`,
      {
        hint: "The migrated schema does not accept the backup's rows: restore with the checkout the backup was taken with.",
        cause: error,
      },
    );
  }
  return error;
}
