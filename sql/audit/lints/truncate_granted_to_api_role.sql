-- id: truncate_granted_to_api_role
-- level: error
-- title: TRUNCATE granted to anon or authenticated (TRUNCATE ignores RLS: one request empties the table)
-- remediation: REVOKE TRUNCATE ON <table> FROM anon, authenticated; (Supabase's default privileges grant it on every new table).
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       'granted to ' || (SELECT string_agg(r, ', ') FROM unnest(ARRAY['anon', 'authenticated']) r WHERE has_table_privilege(r, c.oid, 'TRUNCATE')) AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p')
  AND (has_table_privilege('anon', c.oid, 'TRUNCATE') OR has_table_privilege('authenticated', c.oid, 'TRUNCATE'))
ORDER BY 1
