-- dreamdb gen types: the two audiences ($1 client role, $2 server role) and the requested schemas
-- ($3). A role that does not exist comes back with exists = false (the caller explains).
SELECT r.name,
       a.oid IS NOT NULL AS exists,
       coalesce(a.rolsuper OR a.rolbypassrls, false) AS bypass_rls
FROM unnest(ARRAY[$1::text, $2::text]) WITH ORDINALITY AS r(name, ord)
LEFT JOIN pg_catalog.pg_roles AS a ON a.rolname = r.name
ORDER BY r.ord
