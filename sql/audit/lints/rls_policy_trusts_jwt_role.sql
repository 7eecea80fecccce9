-- id: rls_policy_trusts_jwt_role
-- level: error
-- title: Policy grants power on a JWT claim (role = service_role) instead of the database role
-- remediation: Drop it: service_role has BYPASSRLS already; write policies with TO <role>, never by reading a claim anyone who can set the GUC controls.
SELECT format('%I.%I', n.nspname, c.relname) AS object, format('policy %I', p.polname) AS detail
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[])
  AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''))
      ~* '(auth\.role\(\)|auth\.jwt\(\)|request\.jwt\.claim)[^;]*service_role'
ORDER BY 1, 2
