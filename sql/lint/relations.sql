-- The relations the lint knows exist, with their columns, RLS, validated NOT NULL checks, and
-- whether the app uses them: granted to anon/authenticated in an exposed schema ($1), or read
-- by a view in one (the same surface `gen types` describes).
with api as (
  select oid from pg_roles where rolname in ('anon', 'authenticated')
),
view_deps as (
  select distinct d.refobjid as relid, d.refobjsubid as attnum
  from pg_depend d
  join pg_rewrite w on w.oid = d.objid
  join pg_class v on v.oid = w.ev_class
  join pg_namespace vn on vn.oid = v.relnamespace
  where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
    and v.oid <> d.refobjid and vn.nspname = any ($1::text[])
)
select n.nspname as schema, c.relname as name, c.relkind::text as kind, c.relrowsecurity as rls,
  (n.nspname = any ($1::text[]) and exists (select 1 from api where has_table_privilege(api.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
                                                          or has_any_column_privilege(api.oid, c.oid, 'SELECT, INSERT, UPDATE')))
    or exists (select 1 from view_deps vd where vd.relid = c.oid) as app_uses,
  coalesce((
    select json_agg(json_build_object(
      'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'notNull', a.attnotnull,
      'appUses', (n.nspname = any ($1::text[]) and exists (select 1 from api where has_column_privilege(api.oid, c.oid, a.attnum, 'SELECT, INSERT, UPDATE')))
        or exists (select 1 from view_deps vd where vd.relid = c.oid and vd.attnum in (0, a.attnum))
    ) order by a.attnum)
    from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  ), '[]'::json) as columns,
  coalesce((
    select json_agg(json_build_object('name', k.conname, 'definition', pg_get_constraintdef(k.oid), 'validated', k.convalidated))
    from pg_constraint k where k.conrelid = c.oid and k.contype = 'c'
  ), '[]'::json) as checks
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'v', 'm', 'f')
  and n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname not like 'pg\_toast%' and n.nspname not like 'pg\_temp%'
