-- dreamdb doctor: client sessions of this database other than doctor's own, with how long their
-- transaction, their statement and their current state have lasted (milliseconds).
SELECT pid, usename::text AS usename, application_name, state,
       (extract(epoch FROM now() - xact_start) * 1000)::bigint AS xact_ms,
       (extract(epoch FROM now() - query_start) * 1000)::bigint AS query_ms,
       (extract(epoch FROM now() - state_change) * 1000)::bigint AS state_ms,
       left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS query
  FROM pg_catalog.pg_stat_activity
 WHERE datname = current_database()
   AND pid <> pg_catalog.pg_backend_pid()
   AND backend_type = 'client backend'
 ORDER BY xact_start NULLS LAST;
