-- dreamdb doctor: share of block reads served from shared buffers, for this database, since its
-- statistics were last reset.
SELECT blks_hit::bigint AS hit, blks_read::bigint AS read, stats_reset
  FROM pg_catalog.pg_stat_database
 WHERE datname = current_database();
