-- Functions of the schemas $1 that PostgREST can call as /rpc/<name>: plain functions (not
-- procedures, aggregates or window functions), not owned by an extension, returning neither a
-- trigger nor a pseudo-type PostgREST cannot send. EXECUTE per audience ($2 client, $3 server).
-- SQL-language bodies (and PL/pgSQL bodies, read when they are one RETURN (SELECT ...)) come along
-- so the JSON a function builds can be typed.
SELECT p.oid::int8 AS oid,
       n.nspname AS schema,
       p.proname AS name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity,
       -- oidvector casts to a 0-based array; unnest makes it an ordinary one.
       ARRAY(SELECT unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])))::int8[] AS arg_types,
       coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[p.pronargs]))::text[] AS arg_modes,
       coalesce(p.proargnames, array_fill(''::text, ARRAY[cardinality(coalesce(p.proallargtypes, p.proargtypes::oid[]))])) AS arg_names,
       p.pronargdefaults AS arg_defaults,
       p.prorettype::int8 AS return_type,
       p.proretset AS returns_set,
       p.provariadic <> 0 AS variadic,
       l.lanname AS language,
       CASE WHEN l.lanname IN ('sql', 'plpgsql') THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
       pg_catalog.has_function_privilege($2::text, p.oid, 'EXECUTE') AS client_execute,
       pg_catalog.has_function_privilege($3::text, p.oid, 'EXECUTE') AS server_execute
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language AS l ON l.oid = p.prolang
WHERE n.nspname = ANY ($1::text[])
  AND p.prokind = 'f'
  AND p.prorettype NOT IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype,
                           'pg_catalog.internal'::regtype, 'pg_catalog.cstring'::regtype)
  AND NOT ('pg_catalog.internal'::regtype = ANY (p.proargtypes::oid[]))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend AS d
                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
