-- dreamdb doctor: sessions of this database waiting for a lock another session holds, how long
-- they have waited (pg_locks.waitstart, PostgreSQL 14+), and who blocks them.
SELECT a.pid, a.usename::text AS usename,
       pg_catalog.pg_blocking_pids(a.pid) AS blocked_by,
       (extract(epoch FROM now() - coalesce(
          (SELECT min(l.waitstart) FROM pg_catalog.pg_locks l WHERE l.pid = a.pid AND NOT l.granted),
          a.query_start)) * 1000)::bigint AS waiting_ms,
       left(regexp_replace(a.query, '\s+', ' ', 'g'), 160) AS query,
       (SELECT left(regexp_replace(b.query, '\s+', ' ', 'g'), 160) FROM pg_catalog.pg_stat_activity b
         WHERE b.pid = (pg_catalog.pg_blocking_pids(a.pid))[1]) AS blocker_query
  FROM pg_catalog.pg_stat_activity a
 WHERE a.datname = current_database()
   AND a.wait_event_type = 'Lock'
   AND cardinality(pg_catalog.pg_blocking_pids(a.pid)) > 0
 ORDER BY waiting_ms DESC;
