-- Foreign keys from tables of the schemas $1 (PostgREST's embedding follows them). One-to-one
-- when the referencing columns are exactly a primary key or a unique constraint.
SELECT con.conname AS name,
       con.conrelid::int8 AS relid,
       tn.nspname AS target_schema,
       t.relname AS target_name,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_catalog.pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord)::text[] AS columns,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
             JOIN pg_catalog.pg_attribute AS a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord)::text[] AS referenced_columns,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS u
               WHERE u.conrelid = con.conrelid AND u.contype IN ('p', 'u')
                 AND u.conkey @> con.conkey AND u.conkey <@ con.conkey) AS one_to_one
FROM pg_catalog.pg_constraint AS con
JOIN pg_catalog.pg_class AS c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class AS t ON t.oid = con.confrelid
JOIN pg_catalog.pg_namespace AS tn ON tn.oid = t.relnamespace
WHERE con.contype = 'f'
  AND n.nspname = ANY ($1::text[])
  AND NOT c.relispartition
  AND con.conparentid = 0
ORDER BY con.conrelid, con.conname
