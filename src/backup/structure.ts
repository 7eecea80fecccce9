/**
 * The structure of the backed-up tables, as a sorted list of lines: indexes (with validity),
 * constraints (with NOT VALID), row level security, policies, grants, triggers and publication
 * membership. Recorded in the manifest; a restore compares the target with it before committing,
 * so a restore is identical in structure as well as in rows.
 *
 * Partitions are named by their parent and bounds, not their own names: a restore matches
 * partitions by range, whatever the target calls them.
 */
import type { Sql } from '../db/connect.js';

/** Reads the structure of the given root tables (schema.name) and all their partitions. */
export async function readStructure(sql: Sql, roots: readonly string[]): Promise<string[]> {
  const rels = await sql<{ oid: number; qualified: string; relname: string; key: string }[]>`
    with root as (
      select c.oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where (n.nspname || '.' || c.relname) = any(${roots as string[]}::text[])
    ), tree as (
      -- pg_partition_tree() of a table that is not partitioned is empty
      select root.oid as relid, null::oid as parentrelid from root
      union
      select t.relid, t.parentrelid from root, pg_catalog.pg_partition_tree(root.oid) t
    )
    select c.oid::int as oid, format('%I.%I', n.nspname, c.relname) as qualified, c.relname::text as relname,
           case when c.relispartition
                then format('%s[%s]', (select pc.relname from pg_catalog.pg_class pc where pc.oid = tree.parentrelid),
                            pg_catalog.regexp_replace(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES ', ''))
                else format('%I.%I', n.nspname, c.relname) end as key
      from tree join pg_catalog.pg_class c on c.oid = tree.relid join pg_catalog.pg_namespace n on n.oid = c.relnamespace`;
  if (!rels.length) return [];
  const oids = rels.map((r) => r.oid);
  const rows = await sql<{ rel: number; line: string }[]>`
    select i.indrelid::int as rel,
           format('index %s %s: %s', (select relname from pg_catalog.pg_class where oid = i.indexrelid),
                  case when i.indisvalid then 'valid' else 'INVALID' end, pg_catalog.pg_get_indexdef(i.indexrelid)) as line
      from pg_catalog.pg_index i where i.indrelid = any(${oids}::oid[])
    union all
    select k.conrelid::int, format('constraint %s %s: %s', k.conname, case when k.convalidated then 'valid' else 'NOT VALID' end, pg_catalog.pg_get_constraintdef(k.oid))
      from pg_catalog.pg_constraint k where k.conrelid = any(${oids}::oid[])
    union all
    select c.oid::int, format('row level security %s%s', case when c.relrowsecurity then 'enabled' else 'disabled' end, case when c.relforcerowsecurity then ', forced' else '' end)
      from pg_catalog.pg_class c where c.oid = any(${oids}::oid[])
    union all
    select p.polrelid::int, format('policy %s %s %s to %s using (%s) with check (%s)', p.polname,
             case when p.polpermissive then 'permissive' else 'restrictive' end, p.polcmd,
             (select pg_catalog.string_agg(case when r = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) end, ',' order by 1) from unnest(p.polroles) r),
             pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
      from pg_catalog.pg_policy p where p.polrelid = any(${oids}::oid[])
    union all
    select c.oid::int, format('grant %s to %s%s', a.privilege_type, case when a.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) end,
             case when a.is_grantable then ' with grant option' else '' end)
      from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
     where c.oid = any(${oids}::oid[]) and a.grantee <> c.relowner
    union all
    select c.oid::int, format('grant %s (%s) to %s', a.privilege_type, att.attname, case when a.grantee = 0 then 'public' else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) end)
      from pg_catalog.pg_class c join pg_catalog.pg_attribute att on att.attrelid = c.oid and att.attnum > 0 and not att.attisdropped,
           pg_catalog.aclexplode(att.attacl) a
     where c.oid = any(${oids}::oid[]) and a.grantee <> c.relowner
    union all
    select t.tgrelid::int, format('trigger %s %s: %s', t.tgname, t.tgenabled, pg_catalog.pg_get_triggerdef(t.oid))
      from pg_catalog.pg_trigger t where t.tgrelid = any(${oids}::oid[]) and not t.tgisinternal
    union all
    select r.prrelid::int, format('publication %s', pb.pubname)
      from pg_catalog.pg_publication_rel r join pg_catalog.pg_publication pb on pb.oid = r.prpubid
     where r.prrelid = any(${oids}::oid[])`;
  const byOid = new Map(rels.map((r) => [r.oid, r]));
  // Partition names (and the index and constraint names derived from them) become their keys.
  const renames = rels.filter((r) => r.key !== r.qualified).sort((a, b) => b.relname.length - a.relname.length);
  const neutral = (text: string) =>
    renames.reduce((t, r) => t.split(r.qualified).join(r.key).split(r.relname).join(r.key), text);
  // A partition's own indexes and constraints are named after whatever the table was called
  // when they were made: on partitions, names are left out and definitions compared.
  const anonymous = (line: string) => {
    const m = /^(index|constraint) (\S+) (.*)$/s.exec(line);
    return m ? `${m[1]} * ${m[3]!.split(m[2]!).join('*')}` : line;
  };
  return rows
    .map((r) => {
      const rel = byOid.get(r.rel)!;
      return `${rel.key} ${neutral(rel.key === rel.qualified ? r.line : anonymous(r.line))}`;
    })
    .sort();
}

/** The tables a structure is read for: partitioned parents (with their partitions) and plain tables. */
export function structureRoots(
  tables: readonly { schema: string; name: string; parent: string | null; root?: string | null }[],
): string[] {
  return [...new Set(tables.map((t) => t.root ?? t.parent ?? `${t.schema}.${t.name}`))];
}

/** Lines of `expected` missing from `actual` and lines `actual` has in addition, for messages. */
export function compareStructure(expected: readonly string[], actual: readonly string[]): string[] {
  const want = new Set(expected);
  const have = new Set(actual);
  return [
    ...expected.filter((l) => !have.has(l)).map((l) => `missing: ${l}`),
    ...actual.filter((l) => !want.has(l)).map((l) => `unexpected: ${l}`),
  ];
}

/** Lines that are wrong in themselves, wherever they are: an INVALID index, a NOT VALID constraint. */
export function structureProblems(lines: readonly string[]): string[] {
  return lines.filter((l) => / index \S+ INVALID: | constraint \S+ NOT VALID: /.test(l));
}
