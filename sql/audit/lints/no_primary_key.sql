-- id: no_primary_key
-- level: info
-- title: Table without a primary key (rows cannot be addressed; logical replication of updates fails)
-- remediation: ALTER TABLE <table> ADD PRIMARY KEY (...);
SELECT format('%I.%I', n.nspname, c.relname) AS object, NULL::text AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
