-- id: unindexed_foreign_keys
-- level: info
-- title: Foreign key without an index starting with its columns (deletes on the referenced table scan this one)
-- remediation: CREATE INDEX ON <table> (<columns>);
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       format('%s (%s) -> %s', co.conname,
              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum),
              co.confrelid::regclass::text) AS detail
FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND co.contype = 'f' AND NOT c.relispartition
  AND NOT EXISTS (
    SELECT 1 FROM pg_index x
    WHERE x.indrelid = co.conrelid
      AND (x.indkey::int2[])[0:cardinality(co.conkey) - 1] @> co.conkey
      AND (x.indkey::int2[])[0:cardinality(co.conkey) - 1] <@ co.conkey)
ORDER BY 1, 2
