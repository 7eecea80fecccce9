-- id: rls_enabled_no_policy
-- level: info
-- title: RLS enabled without any policy while an API role holds privileges: every request sees nothing
-- remediation: Add the policies the app needs, or revoke the privileges if the table is server-only.
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       CASE WHEN c.relispartition THEN 'partition (reached through its parent, whose policies apply there)' ELSE 'table' END AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p') AND c.relrowsecurity
  AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
  AND (has_any_column_privilege('anon', c.oid, 'SELECT,INSERT,UPDATE') OR has_any_column_privilege('authenticated', c.oid, 'SELECT,INSERT,UPDATE'))
ORDER BY 1
