/**
 * A gap pg-delta leaves (found by the round-trip test): a new object's GRANTs are emitted as if it
 * started from Postgres's built-in ACL, but `CREATE` also applies the schema's default privileges
 * (`ALTER DEFAULT PRIVILEGES`; Supabase's give ALL to the API roles in public). When the desired
 * object has fewer privileges than those defaults (a partition made by `partitions rotate`, a table
 * whose grants were revoked), the diff must revoke what the defaults will add.
 */
import type { StableId } from '@supabase/pg-delta';
import type { Sql } from '../db/connect.js';
import type { DiffStatement } from './statement.js';
import { quoteIdent as quote } from '../db/quote.js';

/** pg_default_acl object types by the pg-delta kinds that are created with them. */
const OBJTYPE: Record<string, { defacl: string; keyword: string }> = {
  table: { defacl: 'r', keyword: 'TABLE' },
  view: { defacl: 'r', keyword: 'TABLE' },
  materializedView: { defacl: 'r', keyword: 'TABLE' },
  sequence: { defacl: 'S', keyword: 'SEQUENCE' },
  function: { defacl: 'f', keyword: 'FUNCTION' },
  procedure: { defacl: 'f', keyword: 'PROCEDURE' },
};

interface Grant {
  grantee: string;
  privilege: string;
}

/** Which (grantee, privilege) pairs default privileges give a new object of each type in each schema, on `from`. */
async function defaultGrants(sql: Sql): Promise<Map<string, Grant[]>> {
  const rows = await sql<{ schema: string | null; objtype: string; grantee: string; privilege: string }[]>`
    select n.nspname as schema, d.defaclobjtype as objtype,
           case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end as grantee,
           a.privilege_type as privilege
    from pg_default_acl d
    left join pg_namespace n on n.oid = d.defaclnamespace
    cross join lateral aclexplode(d.defaclacl) a
    where d.defaclrole = (select oid from pg_roles where rolname = current_user)`;
  const out = new Map<string, Grant[]>();
  for (const r of rows) {
    const key = `${r.schema ?? '*'}/${r.objtype}`;
    out.set(key, [...(out.get(key) ?? []), { grantee: r.grantee, privilege: r.privilege }]);
  }
  return out;
}

/** The object's real ACL on `to`. */
async function actualGrants(
  sql: Sql,
  kind: string,
  schema: string,
  name: string,
  args: string[],
): Promise<Set<string>> {
  const rows =
    kind === 'function' || kind === 'procedure'
      ? await sql<{ g: string }[]>`
          select (case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end) || '/' || a.privilege_type as g
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          cross join lateral aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
          where n.nspname = ${schema} and p.proname = ${name} and oidvectortypes(p.proargtypes) = ${args.join(', ')}`
      : await sql<{ g: string }[]>`
          select (case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end) || '/' || a.privilege_type as g
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          cross join lateral aclexplode(coalesce(c.relacl, acldefault((case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner))) a
          where n.nspname = ${schema} and c.relname = ${name}`;
  return new Set(rows.map((r) => r.g));
}

export async function revokeUnwantedDefaults(from: Sql, to: Sql, created: StableId[]): Promise<DiffStatement[]> {
  const candidates = created.filter((id) => id.kind in OBJTYPE && 'schema' in id) as (StableId & {
    schema: string;
    name: string;
    args?: string[];
  })[];
  if (!candidates.length) return [];
  const defaults = await defaultGrants(from);
  if (!defaults.size) return [];
  const out: DiffStatement[] = [];
  for (const id of candidates) {
    const type = OBJTYPE[id.kind]!;
    const given = [...(defaults.get(`*/${type.defacl}`) ?? []), ...(defaults.get(`${id.schema}/${type.defacl}`) ?? [])];
    if (!given.length) continue;
    const have = await actualGrants(to, id.kind, id.schema, id.name, id.args ?? []);
    const missing = given.filter((g) => !have.has(`${g.grantee}/${g.privilege}`));
    const byGrantee = new Map<string, string[]>();
    for (const g of missing) byGrantee.set(g.grantee, [...new Set([...(byGrantee.get(g.grantee) ?? []), g.privilege])]);
    const target = `${quote(id.schema)}.${quote(id.name)}${type.keyword === 'TABLE' || type.keyword === 'SEQUENCE' ? '' : `(${(id.args ?? []).join(', ')})`}`;
    for (const [grantee, privileges] of byGrantee) {
      out.push({
        sql: `REVOKE ${privileges.sort().join(', ')} ON ${type.keyword} ${target} FROM ${grantee === 'PUBLIC' ? 'PUBLIC' : quote(grantee)};`,
        verb: 'alter',
        objects: [`acl:(${id.kind}:${id.schema}.${id.name}).${grantee}`],
        destructive: false,
      });
    }
  }
  return out;
}
