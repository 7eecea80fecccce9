-- dreamdb doctor: tables in the API's schemas with row level security off. A partition counts
-- only when an API role can reach it directly (a partition does not inherit its parent's RLS).
-- $1: the schemas (text[]).
SELECT n.nspname::text AS schema, c.relname::text AS name, c.relispartition AS partition,
       (SELECT array_agg(r.rolname::text ORDER BY r.rolname)
          FROM pg_catalog.pg_roles r
         WHERE r.rolname IN ('anon', 'authenticated')
           AND pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE')) AS api_roles
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname = ANY ($1::text[])
   AND NOT c.relrowsecurity
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1, 2;
