-- dreamdb audit-rls: every function in the audited schemas ($1) that anon or authenticated may
-- execute, with its argument names and types (trigger, aggregate and window functions cannot be
-- called on their own and are left out).
SELECT json_build_object(
  'oid', p.oid::int8,
  'schema', n.nspname,
  'name', p.proname,
  'signature', n.nspname || '.' || p.proname || '(' ||
               (SELECT coalesce(string_agg(format_type(t, NULL), ', ' ORDER BY o), '') FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS u(t, o)) || ')',
  'argNames', coalesce(p.proargnames[1:p.pronargs], '{}'::text[]),
  'argTypes', (SELECT coalesce(json_agg(format_type(t, NULL) ORDER BY o), '[]') FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS u(t, o)),
  'securityDefiner', p.prosecdef,
  'returnsSet', p.proretset,
  'anon', has_function_privilege('anon', p.oid, 'EXECUTE'),
  'authenticated', has_function_privilege('authenticated', p.oid, 'EXECUTE')
) AS fn
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY ($1::text[])
  AND p.prokind = 'f'
  AND p.prorettype <> 'trigger'::regtype
  AND p.prorettype <> 'event_trigger'::regtype
  AND (has_function_privilege('anon', p.oid, 'EXECUTE') OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY n.nspname, p.proname, p.oid
