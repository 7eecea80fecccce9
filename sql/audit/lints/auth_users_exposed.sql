-- id: auth_users_exposed
-- level: error
-- title: View over auth.users selectable by an API role (emails and metadata of every user)
-- remediation: REVOKE SELECT ON <view> FROM anon, authenticated; expose what the app needs through an owner-scoped table instead.
SELECT DISTINCT format('%I.%I', n.nspname, c.relname) AS object, NULL::text AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_rewrite rw ON rw.ev_class = c.oid
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.refclassid = 'pg_class'::regclass
WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('v', 'm')
  AND d.refobjid = to_regclass('auth.users')
  AND (has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))
ORDER BY 1
