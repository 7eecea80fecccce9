-- dreamdb doctor: client connections against max_connections, and against each role's
-- CONNECTION LIMIT (a pooler's role, say). One row per limit: the server first.
SELECT 'server'::text AS scope,
       NULL::text AS role_name,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend')::int AS used,
       current_setting('max_connections')::int AS max_allowed,
       current_setting('superuser_reserved_connections')::int AS reserved
UNION ALL
SELECT 'role', r.rolname::text,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity a
         WHERE a.usename = r.rolname AND a.backend_type = 'client backend')::int,
       r.rolconnlimit, 0
  FROM pg_catalog.pg_roles r
 WHERE r.rolconnlimit > 0 AND r.rolcanlogin
ORDER BY 1 DESC, 2;
