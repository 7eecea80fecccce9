-- dreamdb doctor: how far ahead a range-partitioned table can take rows. From today, follow the
-- attached partitions' ranges while they touch; the end of that chain is the horizon. A default
-- partition takes any row (horizon 'infinity'), as does a range ending at MAXVALUE.
-- $1: the parent (schema.table).
WITH RECURSIVE parent AS (
  SELECT pg_catalog.to_regclass($1::text) AS relid
), info AS (
  SELECT p.relid,
         EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table pt WHERE pt.partrelid = p.relid AND pt.partstrat = 'r') AS ranged,
         EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table pt WHERE pt.partrelid = p.relid AND pt.partdefid <> 0) AS has_default
    FROM parent p
), bounds AS (
  SELECT regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                      '^FOR VALUES FROM \(([^)]*)\) TO \(([^)]*)\)$') AS b
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    JOIN parent p ON i.inhparent = p.relid
   WHERE NOT i.inhdetachpending
), ranges AS (
  SELECT CASE WHEN b[1] = 'MINVALUE' THEN '-infinity'::date ELSE btrim(b[1], '''')::date END AS lo,
         CASE WHEN b[2] = 'MAXVALUE' THEN 'infinity'::date ELSE btrim(b[2], '''')::date END AS hi
    FROM bounds WHERE b IS NOT NULL
), walk(d) AS (
  SELECT current_date
  UNION
  SELECT r.hi FROM walk w JOIN ranges r ON r.lo <= w.d AND w.d < r.hi
)
SELECT (SELECT relid IS NOT NULL FROM info) AS found,
       (SELECT ranged FROM info) AS ranged,
       (SELECT has_default FROM info) AS has_default,
       (SELECT count(*) FROM ranges)::int AS partitions,
       (SELECT max(d) FROM walk)::text AS covered_until;
