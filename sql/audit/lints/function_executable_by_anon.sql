-- id: function_executable_by_anon
-- level: warn
-- title: Function executable by anon (no sign-in): EXECUTE granted by Supabase's defaults survives REVOKE ... FROM PUBLIC
-- remediation: REVOKE EXECUTE ON FUNCTION <function> FROM anon; (and PUBLIC), then GRANT it to authenticated if the app calls it signed in.
SELECT format('%s.%s(%s)', n.nspname, p.proname,
              (SELECT string_agg(format_type(t, NULL), ', ' ORDER BY o) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o))) AS object,
       CASE WHEN p.prosecdef THEN 'SECURITY DEFINER, ' ELSE '' END || 'executable by anon' AS detail
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY ($1::text[])
  -- Supabase's own storage helpers are meant for every caller.
  AND n.nspname <> 'storage'
  AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
  AND has_function_privilege('anon', p.oid, 'EXECUTE')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
