-- id: policy_column_unindexed
-- level: warn
-- title: Column a policy filters on has no index starting with it (every request scans the table)
-- remediation: CREATE INDEX ON <table> (<column>); (Supabase's benchmark: 171 ms -> <0.1 ms on 100k rows).
SELECT DISTINCT format('%I.%I', n.nspname, c.relname) AS object,
       format('%I (policy %I)', a.attname, p.polname) AS detail
FROM pg_policy p
JOIN pg_depend d ON d.classid = 'pg_policy'::regclass AND d.objid = p.oid AND d.refclassid = 'pg_class'::regclass
                AND d.refobjid = p.polrelid AND d.refobjsubid > 0
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[])
  -- Only USING filters rows that exist; an INSERT's WITH CHECK reads the new row.
  AND p.polcmd <> 'a' AND p.polqual IS NOT NULL
  AND pg_get_expr(p.polqual, p.polrelid) ~ ('(^|[^a-z0-9_."])"?' || a.attname || '"?([^a-z0-9_"]|$)')
  AND (p.polroles = '{0}' OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = ANY (p.polroles) AND r.rolname IN ('anon', 'authenticated')))
  AND NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indkey[0] = a.attnum)
ORDER BY 1, 2
