-- Tables, views, materialized and foreign tables of the schemas $1 that the API can reach.
-- Partitions (the parent is the API's name for them) and objects owned by an extension are left
-- out. Row level security applies to a role unless it bypasses RLS or owns the table without
-- FORCE ROW LEVEL SECURITY ($2 client role, $3 server role).
SELECT c.oid::int8 AS oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       -- auto-updatable views: bit 8 INSERT, 4 UPDATE (pg_relation_is_updatable)
       CASE WHEN c.relkind IN ('r', 'p') THEN 28 ELSE pg_catalog.pg_relation_is_updatable(c.oid, false) END AS updatable,
       pg_catalog.has_table_privilege($2::text, c.oid, 'DELETE') AS client_delete,
       pg_catalog.has_table_privilege($3::text, c.oid, 'DELETE') AS server_delete,
       c.relrowsecurity AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role($2::text, c.relowner, 'USAGE')) AS client_rls,
       c.relrowsecurity AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role($3::text, c.relowner, 'USAGE')) AS server_rls
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[])
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
