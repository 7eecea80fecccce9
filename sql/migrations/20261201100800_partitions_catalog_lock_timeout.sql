-- dreamdb.metrics_partitions() reads pg_total_relation_size() of every partition, which takes
-- AccessShareLock and so waits behind any ACCESS EXCLUSIVE lock on metrics (a migration, a
-- LOCK TABLE) with no limit: `partitions check` hung, and the pg_cron rotation waited ~45 s and
-- was then recorded as succeeded. With a lock_timeout of its own, a caller that cannot look is
-- told so within 2 s (SQLSTATE 55P03) and the cron job is recorded as failed, to run again later.
ALTER FUNCTION dreamdb.metrics_partitions(text) SET lock_timeout = '2s';
