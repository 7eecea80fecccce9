-- dreamdb doctor: indexes of a table with the same columns, operator classes, collations,
-- expressions and predicate: all but one are dead weight (keep a unique one if any is unique).
-- Partitions are left out: their indexes follow the parent's, reported once at the parent.
SELECT n.nspname::text AS schema, c.relname::text AS table_name,
       array_agg(ic.relname::text ORDER BY i.indisunique DESC, ic.relname) AS indexes,
       sum(ic.relpages::bigint * current_setting('block_size')::int)::bigint AS bytes
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND NOT c.relispartition
 GROUP BY n.nspname, c.relname, i.indrelid, i.indkey::text, i.indclass::text, i.indcollation::text,
          -- the stored expression trees, without the parse positions they carry: pg_get_expr would
          -- lock the table, and doctor must answer while a table is locked
          regexp_replace(coalesce(i.indexprs::text, ''), ':location -?[0-9]+', '', 'g'),
          regexp_replace(coalesce(i.indpred::text, ''), ':location -?[0-9]+', '', 'g')
HAVING count(*) > 1
 ORDER BY 1, 2;
