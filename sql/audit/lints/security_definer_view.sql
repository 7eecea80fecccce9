-- id: security_definer_view
-- level: error
-- title: View runs with its owner's rights (no security_invoker), bypassing the caller's RLS
-- remediation: ALTER VIEW <view> SET (security_invoker = true); (PostgreSQL 15+), or revoke it from the API roles.
SELECT format('%I.%I', n.nspname, c.relname) AS object, 'selectable by ' ||
       (SELECT string_agg(r, ', ') FROM unnest(ARRAY['anon', 'authenticated']) r WHERE has_table_privilege(r, c.oid, 'SELECT')) AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind = 'v'
  AND NOT coalesce('security_invoker=true' = ANY (c.reloptions) OR 'security_invoker=on' = ANY (c.reloptions), false)
  AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
