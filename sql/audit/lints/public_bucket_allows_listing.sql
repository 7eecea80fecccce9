-- id: public_bucket_allows_listing
-- level: warn
-- title: Public bucket with a broad SELECT policy on storage.objects: anyone can list every file
-- remediation: Public buckets serve files by URL without a SELECT policy; drop it, or scope it to the caller's folder.
SELECT b.id AS object, format('policy %I', p.polname) AS detail
FROM storage.buckets b
JOIN pg_policy p ON p.polrelid = 'storage.objects'::regclass
WHERE b.public AND p.polpermissive AND p.polcmd IN ('r', '*')
  AND (p.polroles = '{0}' OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = ANY (p.polroles) AND r.rolname IN ('anon', 'authenticated')))
  AND (pg_get_expr(p.polqual, p.polrelid) = 'true'
       OR (pg_get_expr(p.polqual, p.polrelid) LIKE '%' || quote_literal(b.id) || '%'
           AND pg_get_expr(p.polqual, p.polrelid) !~* 'auth\.(uid|jwt)\(\)|foldername|owner'))
  AND 'storage' = ANY ($1::text[])
ORDER BY 1, 2
