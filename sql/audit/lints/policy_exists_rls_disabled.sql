-- id: policy_exists_rls_disabled
-- level: error
-- title: Policies exist but RLS is disabled, so none of them applies
-- remediation: ALTER TABLE <table> ENABLE ROW LEVEL SECURITY;
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       (SELECT string_agg(quote_ident(p.polname), ', ' ORDER BY p.polname) FROM pg_policy p WHERE p.polrelid = c.oid) AS detail
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
  AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
ORDER BY 1
