-- dreamdb doctor: is pg_stat_statements loaded into the server, and created in this database (and
-- in which schema: Supabase puts it in extensions)?
SELECT current_setting('shared_preload_libraries') ~ '(^|,)\s*pg_stat_statements\s*(,|$)' AS loaded,
       (SELECT e.extnamespace::regnamespace::text FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_stat_statements') AS schema;
