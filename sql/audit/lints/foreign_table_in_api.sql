-- id: foreign_table_in_api
-- level: warn
-- title: Foreign table selectable by an API role (no RLS applies to it)
-- remediation: REVOKE ALL ON <table> FROM anon, authenticated; or move it out of the API schemas.
SELECT format('%I.%I', n.nspname, c.relname) AS object, NULL::text AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind = 'f'
  AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
ORDER BY 1
