-- id: multiple_permissive_policies
-- level: info
-- title: Several permissive policies for one role and action (each is evaluated for every row)
-- remediation: Merge them into one policy per role and action.
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       format('%s for %s: %s', action, role, string_agg(quote_ident(polname), ', ' ORDER BY polname)) AS detail
FROM (
  SELECT p.polrelid, p.polname, r.rolname AS role, act AS action
  FROM pg_policy p
  CROSS JOIN LATERAL unnest(CASE p.polcmd WHEN '*' THEN ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']
                                           WHEN 'r' THEN ARRAY['SELECT'] WHEN 'a' THEN ARRAY['INSERT']
                                           WHEN 'w' THEN ARRAY['UPDATE'] ELSE ARRAY['DELETE'] END) act
  JOIN pg_roles r ON r.rolname IN ('anon', 'authenticated') AND (p.polroles = '{0}' OR r.oid = ANY (p.polroles))
  WHERE p.polpermissive
) x
JOIN pg_class c ON c.oid = x.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[])
GROUP BY n.nspname, c.relname, action, role
HAVING count(*) > 1
ORDER BY 1, 2
