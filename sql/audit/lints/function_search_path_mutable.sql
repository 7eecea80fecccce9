-- id: function_search_path_mutable
-- level: warn
-- title: Function without a fixed search_path (a caller's search_path can redirect what it calls)
-- remediation: ALTER FUNCTION <function> SET search_path = ''; and schema-qualify every name in its body.
SELECT format('%s.%s(%s)', n.nspname, p.proname,
              (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o))) AS object,
       CASE WHEN p.prosecdef THEN 'SECURITY DEFINER' ELSE 'SECURITY INVOKER' END AS detail
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY ($1::text[]) AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) cfg WHERE cfg LIKE 'search_path=%')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  -- The Supabase-compatible base's own helpers (storage.*) ship like this on Supabase too.
  AND NOT (n.nspname = 'storage' AND p.proname IN ('foldername', 'filename', 'extension'))
ORDER BY 1
