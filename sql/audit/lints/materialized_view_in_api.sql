-- id: materialized_view_in_api
-- level: warn
-- title: Materialized view selectable by an API role (no RLS applies to it)
-- remediation: REVOKE SELECT ON <view> FROM anon, authenticated; or move it out of the API schemas.
SELECT format('%I.%I', n.nspname, c.relname) AS object, NULL::text AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind = 'm'
  AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
ORDER BY 1
