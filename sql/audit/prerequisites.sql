-- dreamdb audit-rls: does the database have Supabase's auth helpers (auth.uid()) and the tenant
-- table whose id is the user id?
-- $1: the tenant table (schema.table).
SELECT pg_catalog.to_regprocedure('auth.uid()') IS NOT NULL AS auth,
       pg_catalog.to_regclass($1::text) IS NOT NULL AS root;
