-- id: partition_rls_disabled
-- level: warn
-- title: Partition without RLS under a parent with RLS (Postgres copies neither RLS nor policies to partitions)
-- remediation: ALTER TABLE <partition> ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY; and revoke the API roles' privileges on it.
SELECT format('%I.%I', n.nspname, c.relname) AS object, 'partition of ' || pc.oid::regclass::text AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class pc ON pc.oid = i.inhparent
WHERE n.nspname = ANY ($1::text[]) AND c.relispartition AND NOT c.relrowsecurity AND pc.relrowsecurity
ORDER BY 1
