-- Row level security policies of the tables of the schemas $1 and whether each applies to the
-- client ($2) and the server ($3) role: PUBLIC, the role itself, or a role it is a member of.
SELECT p.polrelid::int8 AS relid,
       p.polname AS name,
       p.polcmd::text AS command,
       p.polpermissive AS permissive,
       (0::oid = ANY (p.polroles)
        OR EXISTS (SELECT 1 FROM unnest(p.polroles) AS r(oid)
                   WHERE pg_catalog.pg_has_role($2::text, r.oid, 'MEMBER'))) AS client_applies,
       (0::oid = ANY (p.polroles)
        OR EXISTS (SELECT 1 FROM unnest(p.polroles) AS r(oid)
                   WHERE pg_catalog.pg_has_role($3::text, r.oid, 'MEMBER'))) AS server_applies,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_catalog.pg_policy AS p
JOIN pg_catalog.pg_class AS c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[])
ORDER BY p.polrelid, p.polname
