-- dreamdb doctor: indexes never scanned since statistics were reset, at least $1 bytes big, that
-- enforce nothing (not unique, not a constraint's). They cost every write and vacuum.
-- Sizes come from pg_class.relpages (kept by VACUUM, ANALYZE and CREATE INDEX): pg_relation_size
-- would take a lock, and doctor must answer while a table is locked.
SELECT s.schemaname::text AS schema, s.relname::text AS table_name, s.indexrelname::text AS index_name,
       (ic.relpages::bigint * current_setting('block_size')::int) AS bytes
  FROM pg_catalog.pg_stat_user_indexes s
  JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
  JOIN pg_catalog.pg_class ic ON ic.oid = s.indexrelid
 WHERE s.idx_scan = 0
   AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion AND NOT i.indisreplident
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = s.indexrelid)
   AND ic.relpages::bigint * current_setting('block_size')::int >= $1::bigint
 ORDER BY bytes DESC;
