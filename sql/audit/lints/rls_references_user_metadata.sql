-- id: rls_references_user_metadata
-- level: error
-- title: Policy reads user_metadata, which every user can edit for themselves
-- remediation: Decide on app_metadata (server-written) or a table the user cannot write.
SELECT format('%I.%I', n.nspname, c.relname) AS object, 'policy ' || quote_ident(p.polname) AS detail
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[])
  AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '') || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')) ~* 'user_metadata'
ORDER BY 1, 2
