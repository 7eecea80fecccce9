-- dreamdb audit-rls, lint auth_rls_initplan: the tables and views of the audited schemas that a
-- signed-in user can read through a SELECT policy (partitions are planned through their parent).
-- $1: the audited schemas (text[]).
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY ($1::text[])
   AND c.relkind IN ('r', 'p', 'v')
   AND NOT c.relispartition
   AND pg_catalog.has_any_column_privilege('authenticated', c.oid, 'SELECT')
   AND EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND p.polcmd IN ('r', '*'))
 ORDER BY 1, 2;
