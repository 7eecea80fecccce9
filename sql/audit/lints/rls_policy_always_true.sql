-- id: rls_policy_always_true
-- level: warn
-- title: Write policy with USING (true) or WITH CHECK (true): any caller may write any row
-- remediation: Scope it to the owner: USING / WITH CHECK (artist_id = (select auth.uid())), and TO authenticated.
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       format('policy %I (%s, to %s)', p.polname,
              CASE p.polcmd WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
              CASE WHEN p.polroles = '{0}' THEN 'public' ELSE (SELECT string_agg(rolname, ', ') FROM pg_roles WHERE oid = ANY (p.polroles)) END) AS detail
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND p.polpermissive AND p.polcmd IN ('a', 'w', 'd', '*')
  AND (pg_get_expr(p.polqual, p.polrelid) = 'true' OR pg_get_expr(p.polwithcheck, p.polrelid) = 'true')
  AND (p.polroles = '{0}' OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = ANY (p.polroles) AND r.rolname IN ('anon', 'authenticated')))
ORDER BY 1, 2
