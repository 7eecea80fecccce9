-- dreamdb doctor: every replication slot of the server (a stalled one anywhere fills the disk),
-- whether something consumes it, and how much WAL it holds back.
SELECT slot_name::text AS slot_name, slot_type, database::text AS database, active, wal_status,
       CASE WHEN pg_catalog.pg_is_in_recovery() OR restart_lsn IS NULL THEN NULL
            ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), restart_lsn)::bigint END AS retained_bytes
  FROM pg_catalog.pg_replication_slots
 ORDER BY slot_name;
