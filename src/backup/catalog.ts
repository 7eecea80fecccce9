/**
 * The catalog reads backup and restore share: tables and their columns, sequences, the migration
 * ledger, foreign keys, and the session settings that make COPY text byte-for-byte repeatable (so a
 * restored table can be compared with the backup by checksum).
 */
import type { Sql } from '../db/connect.js';
import type { CatalogTable, ForeignKey } from './scope.js';

/**
 * Startup parameters of every backup and restore session. The output settings fix how values are
 * written as text (dates, intervals, floats, bytea, time zone), so the same rows give the same
 * bytes on any server and client. row_security=off makes a query that RLS would filter fail
 * instead of silently returning fewer rows (pg_dump does the same). search_path is empty so every
 * name printed by the server is schema-qualified.
 */
export const COPY_SESSION = {
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  TimeZone: 'UTC',
  extra_float_digits: 3,
  bytea_output: 'hex',
  client_encoding: 'UTF8',
  row_security: 'off',
  statement_timeout: 0,
  idle_in_transaction_session_timeout: 0,
  search_path: '',
  synchronize_seqscans: 'off',
} as const;

export async function listTables(sql: Sql): Promise<CatalogTable[]> {
  const rows = await sql<
    {
      schema: string;
      name: string;
      kind: 'r' | 'p';
      root: string | null;
      parent: string | null;
      bound: string | null;
      columns: string[];
      bytes: string;
    }[]
  >`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind,
           case when c.relispartition then (
             select rn.nspname || '.' || rc.relname from pg_catalog.pg_class rc
               join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
              where rc.oid = pg_catalog.pg_partition_root(c.oid)) end as root,
           case when c.relispartition then (
             select pn.nspname || '.' || pc.relname from pg_catalog.pg_inherits i
               join pg_catalog.pg_class pc on pc.oid = i.inhparent
               join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
              where i.inhrelid = c.oid) end as parent,
           case when c.relispartition then pg_catalog.pg_get_expr(c.relpartbound, c.oid) end as bound,
           array(select a.attname::text from pg_catalog.pg_attribute a
                  where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                  order by a.attnum) as columns,
           pg_catalog.pg_relation_size(c.oid)::text as bytes
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and c.relpersistence <> 't'
       and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
       and n.nspname !~ '^pg_(toast_)?temp_'
       -- tables that belong to an extension are recreated by CREATE EXTENSION, not restored
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
     order by 1, 2`;
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes) }));
}

export interface SequenceRow {
  schema: string;
  name: string;
  /** The table owning it (identity or serial column), schema.table. */
  owner: string | null;
  lastValue: string | null;
}

export async function listSequences(sql: Sql): Promise<SequenceRow[]> {
  return sql<SequenceRow[]>`
    select s.schemaname::text as schema, s.sequencename::text as name,
           (select tn.nspname || '.' || t.relname from pg_catalog.pg_depend d
              join pg_catalog.pg_class t on t.oid = d.refobjid
              join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
             where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass
               and d.refclassid = 'pg_catalog.pg_class'::regclass and d.deptype in ('a', 'i')
             limit 1) as owner,
           s.last_value::text as "lastValue"
      from pg_catalog.pg_sequences s
     where s.schemaname not in ('pg_catalog', 'information_schema')`;
}

export interface LedgerMigration {
  version: string;
  name: string;
  checksum: string | null;
}

/** Migrations applied in full: dreamdb's ledger, else the Supabase CLI's (a project migrated by it). */
export async function readAppliedMigrations(
  sql: Sql,
): Promise<{ source: 'dreamdb' | 'supabase' | 'none'; migrations: LedgerMigration[] }> {
  const [has] = await sql<{ dreamdb: boolean; supabase: boolean }[]>`
    select pg_catalog.to_regclass('dreamdb.migrations') is not null as dreamdb,
           pg_catalog.to_regclass('supabase_migrations.schema_migrations') is not null as supabase`;
  if (has?.dreamdb) {
    const rows = await sql<LedgerMigration[]>`
      select version, name, checksum from dreamdb.migrations
       where applied_at is not null and statements_done is null order by version`;
    if (rows.length) return { source: 'dreamdb', migrations: [...rows] };
  }
  if (has?.supabase) {
    const rows = await sql<LedgerMigration[]>`
      select version, coalesce(name, '') as name, null::text as checksum from supabase_migrations.schema_migrations order by version`;
    return { source: rows.length ? 'supabase' : 'none', migrations: [...rows] };
  }
  return { source: 'none', migrations: [] };
}

/** Top-level foreign keys (a partitioned table's are declared on its parent). */
export async function listForeignKeys(sql: Sql): Promise<ForeignKey[]> {
  return sql<ForeignKey[]>`
    select fn.nspname || '.' || f.relname as "from", tn.nspname || '.' || t.relname as "to"
      from pg_catalog.pg_constraint con
      join pg_catalog.pg_class f on f.oid = con.conrelid
      join pg_catalog.pg_namespace fn on fn.oid = f.relnamespace
      join pg_catalog.pg_class t on t.oid = con.confrelid
      join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
     where con.contype = 'f' and con.conparentid = 0`;
}

export async function serverInfo(sql: Sql): Promise<{
  database: string;
  version: string;
  versionNum: number;
  user: string;
  superuser: boolean;
  bypassRls: boolean;
}> {
  const [row] = await sql<
    { database: string; version: string; num: number; user: string; superuser: boolean; bypass: boolean }[]
  >`
    select current_database() as database, current_setting('server_version') as version,
           current_setting('server_version_num')::int as num, current_user as user,
           r.rolsuper as superuser, r.rolbypassrls as bypass
      from pg_catalog.pg_roles r where r.rolname = current_user`;
  return {
    database: row!.database,
    version: row!.version,
    versionNum: row!.num,
    user: row!.user,
    superuser: row!.superuser,
    bypassRls: row!.bypass,
  };
}
