-- The requested schemas ($1): whether each exists and whether each audience may use it
-- ($2 client role, $3 server role; both known to exist).
SELECT s.name,
       n.oid IS NOT NULL AS exists,
       n.oid IS NOT NULL AND pg_catalog.has_schema_privilege($2::text, n.oid, 'USAGE') AS client_usage,
       n.oid IS NOT NULL AND pg_catalog.has_schema_privilege($3::text, n.oid, 'USAGE') AS server_usage
FROM unnest($1::text[]) AS s(name)
LEFT JOIN pg_catalog.pg_namespace AS n ON n.nspname = s.name
ORDER BY s.name
