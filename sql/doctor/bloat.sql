-- dreamdb doctor: estimated table bloat. The pages a table needs are estimated from its row count
-- and average row width (pg_stats; 24-byte tuple header, 4-byte line pointer, fillfactor, 24-byte
-- page header); everything beyond is space held by dead or deleted rows. Tables never analyzed
-- have no estimate. TOAST is not counted.
WITH t AS (
  SELECT n.nspname, c.relname, c.reltuples, c.relpages::bigint AS relpages,
         current_setting('block_size')::int AS bs,
         coalesce((SELECT substring(o FROM 'fillfactor=(\d+)')::int FROM unnest(c.reloptions) o
                    WHERE o LIKE 'fillfactor=%'), 100) AS ff,
         (SELECT sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0))
            FROM pg_catalog.pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS width
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'm') AND c.relpages > 0 AND c.reltuples > 0
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
), est AS (
  SELECT nspname, relname, relpages * bs AS bytes,
         ceil(reltuples / greatest(1, floor((bs * ff / 100.0 - 24) / (24 + 4 + 8 * ceil(width / 8.0)))))::bigint * bs AS needed
    FROM t WHERE width IS NOT NULL
)
SELECT nspname::text AS schema, relname::text AS table_name, bytes::bigint AS bytes,
       greatest(bytes - needed, 0)::bigint AS wasted,
       round(greatest(bytes - needed, 0)::numeric / bytes, 3)::float8 AS ratio
  FROM est
 WHERE bytes > 0
 ORDER BY wasted DESC;
