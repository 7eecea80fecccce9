-- id: security_definer_no_caller_check
-- level: error
-- title: SECURITY DEFINER function callable by the API that never looks at who is calling
-- remediation: Compare its arguments with (select auth.uid()) and raise otherwise, or make it SECURITY INVOKER so RLS decides.
SELECT format('%s.%s(%s)', n.nspname, p.proname,
              (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o))) AS object,
       'executable by ' || (SELECT string_agg(r, ', ') FROM unnest(ARRAY['anon', 'authenticated']) r WHERE has_function_privilege(r, p.oid, 'EXECUTE')) AS detail
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY ($1::text[]) AND p.prosecdef AND p.prorettype <> 'trigger'::regtype
  AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))
  AND p.prosrc !~* '(auth\.(uid|jwt|role|email)\s*\(|current_user|session_user|request\.jwt)'
ORDER BY 1
