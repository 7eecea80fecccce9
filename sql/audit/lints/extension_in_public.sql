-- id: extension_in_public
-- level: warn
-- title: Extension installed in an API schema (its functions and tables become API surface)
-- remediation: ALTER EXTENSION <extension> SET SCHEMA extensions;
SELECT e.extname AS object, 'in schema ' || n.nspname AS detail
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE n.nspname = ANY ($1::text[]) AND n.nspname <> 'storage'
  AND e.extname <> 'pg_cron' -- its objects live in schema cron wherever it is recorded; it cannot SET SCHEMA
ORDER BY 1
