-- id: duplicate_index
-- level: warn
-- title: Identical indexes (every write maintains both)
-- remediation: DROP INDEX one of them (keep the one backing a constraint).
SELECT format('%I.%I', n.nspname, c.relname) AS object,
       string_agg(quote_ident(ic.relname), ', ' ORDER BY ic.relname) AS detail
FROM pg_index x
JOIN pg_class ic ON ic.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND NOT c.relispartition
GROUP BY n.nspname, c.relname, x.indrelid, x.indkey::text, x.indclass::text, coalesce(pg_get_expr(x.indexprs, x.indrelid), ''),
         coalesce(pg_get_expr(x.indpred, x.indrelid), '')
HAVING count(*) > 1
ORDER BY 1, 2
