-- Every type the columns and functions use ($1), with the types they are made of: array
-- elements, domain bases, composite attributes' types (recursively). Enum labels in their order,
-- and domain CHECK constraints as Postgres prints them.
WITH RECURSIVE used(oid) AS (
  SELECT unnest($1::int8[])::oid
  UNION
  SELECT x.oid
  FROM used
  JOIN pg_catalog.pg_type AS t ON t.oid = used.oid
  CROSS JOIN LATERAL (
    SELECT t.typelem WHERE t.typelem <> 0 AND t.typcategory = 'A'
    UNION ALL SELECT t.typbasetype WHERE t.typbasetype <> 0
    UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute AS a
              WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
  ) AS x(oid)
)
SELECT t.oid::int8 AS oid,
       n.nspname AS schema,
       t.typname AS name,
       t.typtype::text AS typtype,
       t.typcategory::text AS category,
       CASE WHEN t.typcategory = 'A' THEN t.typelem::int8 END AS element,
       nullif(t.typbasetype, 0)::int8 AS base,
       t.typnotnull AS not_null,
       nullif(t.typrelid, 0)::int8 AS relid,
       (SELECT c.relkind::text FROM pg_catalog.pg_class AS c WHERE c.oid = t.typrelid) AS relkind,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum AS e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(con.oid, true) FROM pg_catalog.pg_constraint AS con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS checks
FROM used
JOIN pg_catalog.pg_type AS t ON t.oid = used.oid
JOIN pg_catalog.pg_namespace AS n ON n.oid = t.typnamespace
ORDER BY t.oid
