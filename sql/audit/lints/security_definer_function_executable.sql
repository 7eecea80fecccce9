-- id: security_definer_function_executable
-- level: warn
-- title: SECURITY DEFINER function executable by anon or authenticated (runs with its owner's rights, past RLS)
-- remediation: Make it SECURITY INVOKER, or REVOKE EXECUTE ON FUNCTION <function> FROM anon, authenticated (REVOKE ... FROM PUBLIC alone does not remove Supabase's grants).
SELECT format('%s.%s(%s)', n.nspname, p.proname,
              (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o))) AS object,
       'executable by ' || (SELECT string_agg(r, ', ') FROM unnest(ARRAY['anon', 'authenticated']) r WHERE has_function_privilege(r, p.oid, 'EXECUTE')) AS detail
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY ($1::text[]) AND p.prosecdef AND p.prorettype <> 'trigger'::regtype
  AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))
ORDER BY 1
