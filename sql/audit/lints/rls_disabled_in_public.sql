-- id: rls_disabled_in_public
-- level: error
-- title: RLS disabled on a table an API role can reach (parents and partitions included)
-- remediation: ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; then add owner-scoped policies TO authenticated (or revoke the API roles' privileges).
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE CASE WHEN c.relispartition THEN 'partition' ELSE 'table' END END
         || ' reachable by ' || (SELECT string_agg(r, ', ') FROM unnest(ARRAY['anon', 'authenticated']) r
                                  WHERE has_any_column_privilege(r, c.oid, 'SELECT,INSERT,UPDATE,REFERENCES')
                                     OR has_table_privilege(r, c.oid, 'DELETE,TRUNCATE')) AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
  AND (has_any_column_privilege('anon', c.oid, 'SELECT,INSERT,UPDATE,REFERENCES') OR has_table_privilege('anon', c.oid, 'DELETE,TRUNCATE')
    OR has_any_column_privilege('authenticated', c.oid, 'SELECT,INSERT,UPDATE,REFERENCES') OR has_table_privilege('authenticated', c.oid, 'DELETE,TRUNCATE'))
ORDER BY 1
