-- Functions outside the system schemas: volatility (does a default calling it rewrite?) and
-- whether the app calls it (EXECUTE for anon/authenticated in an exposed schema, $1).
with api as (
  select oid from pg_roles where rolname in ('anon', 'authenticated')
)
select n.nspname as schema, p.proname as name,
  max(p.provolatile::text) as volatility,
  bool_or(n.nspname = any ($1::text[]) and exists (select 1 from api where has_function_privilege(api.oid, p.oid, 'EXECUTE'))) as app_uses
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
where n.nspname not in ('pg_catalog', 'information_schema')
group by n.nspname, p.proname
