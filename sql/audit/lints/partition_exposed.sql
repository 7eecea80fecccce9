-- id: partition_exposed
-- level: warn
-- title: Partition directly reachable by an API role: the parent's policies do not apply to it
-- remediation: REVOKE ALL ON <partition> FROM anon, authenticated; the app reads and writes through the parent.
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       'partition of ' || pc.oid::regclass::text || ', reachable by ' ||
       (SELECT string_agg(r, ', ') FROM unnest(ARRAY['anon', 'authenticated']) r
         WHERE has_any_column_privilege(r, c.oid, 'SELECT,INSERT,UPDATE') OR has_table_privilege(r, c.oid, 'DELETE')) AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class pc ON pc.oid = i.inhparent
WHERE n.nspname = ANY ($1::text[]) AND c.relispartition
  AND (has_any_column_privilege('anon', c.oid, 'SELECT,INSERT,UPDATE') OR has_table_privilege('anon', c.oid, 'DELETE')
    OR has_any_column_privilege('authenticated', c.oid, 'SELECT,INSERT,UPDATE') OR has_table_privilege('authenticated', c.oid, 'DELETE'))
ORDER BY 1
