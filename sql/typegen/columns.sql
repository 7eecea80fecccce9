-- Columns of the relations and composite types of the schemas $1, with what each audience may do
-- with each column ($2 client role, $3 server role). has_column_privilege counts table-level
-- grants and role membership, as Postgres does when it checks a query.
SELECT c.oid::int8 AS relid,
       a.attname AS name,
       a.attnum AS num,
       a.atttypid::int8 AS type_oid,
       a.attnotnull AS not_null,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       pg_catalog.col_description(c.oid, a.attnum) AS comment,
       c.relkind <> 'c' AND pg_catalog.has_column_privilege($2::text, c.oid, a.attnum, 'SELECT') AS client_select,
       c.relkind <> 'c' AND pg_catalog.has_column_privilege($2::text, c.oid, a.attnum, 'INSERT') AS client_insert,
       c.relkind <> 'c' AND pg_catalog.has_column_privilege($2::text, c.oid, a.attnum, 'UPDATE') AS client_update,
       c.relkind <> 'c' AND pg_catalog.has_column_privilege($3::text, c.oid, a.attnum, 'SELECT') AS server_select,
       c.relkind <> 'c' AND pg_catalog.has_column_privilege($3::text, c.oid, a.attnum, 'INSERT') AS server_insert,
       c.relkind <> 'c' AND pg_catalog.has_column_privilege($3::text, c.oid, a.attnum, 'UPDATE') AS server_update
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = ANY ($1::text[])
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  AND NOT c.relispartition
ORDER BY c.oid, a.attnum
