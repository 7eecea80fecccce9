-- dreamdb doctor: the slowest statements of this database by mean execution time, among those
-- called at least $1 times. Maintenance and DDL are left out (slow by nature, not app latency).
-- Runs with search_path set to pg_stat_statements' schema.
SELECT s.queryid::text AS queryid, s.calls::bigint AS calls,
       round(s.mean_exec_time::numeric, 2)::float8 AS mean_ms,
       round(s.max_exec_time::numeric, 2)::float8 AS max_ms,
       round(s.stddev_exec_time::numeric, 2)::float8 AS stddev_ms,
       left(regexp_replace(s.query, '\s+', ' ', 'g'), 160) AS query
  FROM pg_stat_statements s
 WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
   AND s.calls >= $1::bigint
   AND s.query !~* '^\s*(create|alter|drop|do|copy|vacuum|analyze|refresh|cluster|reindex|truncate|grant|revoke|comment|begin|commit|rollback|set|reset|lock|call|explain)\M'
 ORDER BY s.mean_exec_time DESC
 LIMIT $2::int;
