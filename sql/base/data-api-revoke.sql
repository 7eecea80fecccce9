-- dreamdb: the Data API default since 2026-10-30 (appended to the base unless
-- auto_expose_new_tables is on).
--
-- Supabase stopped granting new tables, sequences and functions in `public` to the Data API
-- roles: from 2026-05-30 for new projects and from 2026-10-30 for every existing project
-- (Supabase changelog 45329; `[api] auto_expose_new_tables` in supabase/config.toml). Existing
-- objects keep their grants. This is the SQL Supabase runs for it (Studio at project creation,
-- and the Supabase CLI's `RevokeDefaultDataApiPrivilegesSql` in internal/db/start/start.go),
-- there written `for role postgres`; here for the role that runs the base, the one whose default
-- privileges the base granted. Note what it leaves: TRUNCATE, REFERENCES and TRIGGER on tables
-- and UPDATE on sequences stay default-granted, as on Supabase.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  REVOKE USAGE, SELECT ON SEQUENCES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  REVOKE EXECUTE ON FUNCTIONS FROM anon, authenticated, service_role;
