-- dreamdb audit-rls: can the connecting role see every row (superuser or BYPASSRLS) and switch
-- to anon, authenticated and service_role? Raises 42704 when one of those roles does not exist.
SELECT current_user AS user, r.rolsuper AS super, r.rolbypassrls AS bypass,
       pg_catalog.pg_has_role(current_user, 'anon', 'MEMBER') AS anon,
       pg_catalog.pg_has_role(current_user, 'authenticated', 'MEMBER') AS authenticated,
       pg_catalog.pg_has_role(current_user, 'service_role', 'MEMBER') AS service
  FROM pg_catalog.pg_roles r
 WHERE r.rolname = current_user;
