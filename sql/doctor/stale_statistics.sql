-- dreamdb doctor: tables whose planner statistics lag behind their rows: more than $2 of the rows
-- (and at least $1 rows) changed since the last ANALYZE, and partitioned parents that were never
-- analyzed although their partitions hold rows (autovacuum never analyzes a parent).
SELECT s.schemaname::text AS schema, s.relname::text AS table_name, s.n_live_tup::bigint AS live,
       s.n_mod_since_analyze::bigint AS modified, greatest(s.last_analyze, s.last_autoanalyze) AS last_analyzed,
       false AS parent
  FROM pg_catalog.pg_stat_user_tables s
 WHERE s.n_mod_since_analyze >= $1::bigint
   AND s.n_mod_since_analyze > $2::float8 * greatest(s.n_live_tup, 1)
UNION ALL
SELECT n.nspname::text, c.relname::text,
       (SELECT sum(greatest(k.reltuples, 0))::bigint FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid),
       NULL, NULL, true
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'p' AND c.reltuples < 0
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND (SELECT sum(greatest(k.reltuples, 0)) FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = c.oid) >= $1::bigint
 ORDER BY 1, 2;
