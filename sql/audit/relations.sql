-- dreamdb audit-rls: every table, partitioned table, partition, view, materialized view and
-- foreign table in the audited schemas ($1), with its columns, keys, foreign keys, partition
-- bounds, RLS flags and what each API role may do with it. One row per relation, as JSON.
SELECT json_build_object(
  'oid', c.oid::int8,
  'schema', n.nspname,
  'name', c.relname,
  'kind', c.relkind,
  'isPartition', c.relispartition,
  'parent', (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i
               JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
              WHERE i.inhrelid = c.oid AND c.relispartition),
  'partitionBound', CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
  'partitionKey', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
  'rls', c.relrowsecurity,
  'forceRls', c.relforcerowsecurity,
  'securityInvoker', coalesce('security_invoker=true' = ANY (c.reloptions) OR 'security_invoker=on' = ANY (c.reloptions), false),
  'primaryKey', (SELECT json_agg(a.attname ORDER BY k.ord)
                   FROM pg_index x CROSS JOIN unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                  WHERE x.indrelid = c.oid AND x.indisprimary),
  -- Unique constraints and unique indexes, partial and on expressions too (their columns: every
  -- column the key or the expression reads).
  'uniques', (SELECT json_agg(json_build_object('name', ic.relname, 'columns',
                     (SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
                       WHERE a.attrelid = x.indrelid AND a.attnum > 0
                         AND (a.attnum = ANY (x.indkey::int2[])
                              OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indexrelid
                                           AND d.refobjid = x.indrelid AND d.refobjsubid = a.attnum))),
                     'predicate', pg_get_expr(x.indpred, x.indrelid)))
                FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid
               WHERE x.indrelid = c.oid AND x.indisunique AND NOT x.indisprimary),
  'policyText', (SELECT string_agg(coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''), ' ')
                   FROM pg_policy p WHERE p.polrelid = c.oid),
  'foreignKeys', (SELECT json_agg(json_build_object(
                     'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY AS k(attnum, ord)
                                   JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum),
                     'references', rn.nspname || '.' || rc.relname,
                     'referencedColumns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(co.confkey) WITH ORDINALITY AS k(attnum, ord)
                                   JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum)))
                    FROM pg_constraint co
                    JOIN pg_class rc ON rc.oid = co.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                   WHERE co.conrelid = c.oid AND co.contype = 'f' AND coalesce(co.conparentid, 0) = 0),
  'checks', (SELECT json_agg(pg_get_constraintdef(co.oid)) FROM pg_constraint co
              WHERE co.conrelid = c.oid AND co.contype = 'c'),
  'columns', (SELECT json_agg(json_build_object(
                 'name', a.attname,
                 'type', format_type(a.atttypid, a.atttypmod),
                 'baseType', CASE WHEN t.typtype = 'd' THEN (SELECT bt.typname FROM pg_type bt WHERE bt.oid = t.typbasetype) ELSE t.typname END,
                 'category', t.typcategory,
                 'notNull', a.attnotnull,
                 'hasDefault', a.atthasdef OR a.attidentity <> '',
                 'generated', a.attgenerated <> '' OR a.attidentity = 'a',
                 'enumValues', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e
                                 WHERE e.enumtypid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END),
                 'grants', (SELECT json_object_agg(r.rolname, json_build_object(
                               'select', has_column_privilege(r.oid, c.oid, a.attnum, 'SELECT'),
                               'insert', has_column_privilege(r.oid, c.oid, a.attnum, 'INSERT'),
                               'update', has_column_privilege(r.oid, c.oid, a.attnum, 'UPDATE')))
                              FROM pg_roles r WHERE r.rolname IN ('anon', 'authenticated'))
               ) ORDER BY a.attnum)
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  'grants', (SELECT json_object_agg(r.rolname, json_build_object(
                'select', has_table_privilege(r.oid, c.oid, 'SELECT'),
                'insert', has_table_privilege(r.oid, c.oid, 'INSERT'),
                'update', has_table_privilege(r.oid, c.oid, 'UPDATE'),
                'delete', has_table_privilege(r.oid, c.oid, 'DELETE'),
                'truncate', has_table_privilege(r.oid, c.oid, 'TRUNCATE'),
                'references', has_table_privilege(r.oid, c.oid, 'REFERENCES'),
                'trigger', has_table_privilege(r.oid, c.oid, 'TRIGGER'),
                'anyColumn', has_any_column_privilege(r.oid, c.oid, 'SELECT,INSERT,UPDATE,REFERENCES'),
                'schemaUsage', has_schema_privilege(r.oid, n.oid, 'USAGE')))
               FROM pg_roles r WHERE r.rolname IN ('anon', 'authenticated', 'service_role')),
  'policies', (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
  'triggers', EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal),
  'published', EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication pb ON pb.oid = pr.prpubid
                        WHERE pb.pubname = 'supabase_realtime' AND pr.prrelid = c.oid)
) AS rel
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[])
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  -- An extension's own tables are the extension's business.
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
