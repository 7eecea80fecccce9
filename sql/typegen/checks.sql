-- CHECK constraints of the tables of the schemas $1, as Postgres prints them; the generator reads
-- `col IN (...)` / `col = ANY (ARRAY[...])` out of them with the Postgres parser. A NOT VALID
-- constraint binds new rows only.
SELECT con.conrelid::int8 AS relid,
       con.conname AS name,
       con.convalidated AS validated,
       pg_catalog.pg_get_constraintdef(con.oid, true) AS definition
FROM pg_catalog.pg_constraint AS con
JOIN pg_catalog.pg_class AS c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE con.contype = 'c'
  AND n.nspname = ANY ($1::text[])
  AND NOT c.relispartition
ORDER BY con.conrelid, con.conname
