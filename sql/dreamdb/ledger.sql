-- dreamdb's own bookkeeping, created by `dreamdb migrate` before the first migration.
-- Never reachable by API roles: the schema grants nothing to PUBLIC.
CREATE SCHEMA IF NOT EXISTS dreamdb;
REVOKE ALL ON SCHEMA dreamdb FROM PUBLIC;

CREATE TABLE IF NOT EXISTS dreamdb.migrations (
  version text PRIMARY KEY,
  name text NOT NULL,
  -- sha256 of the normalised file (see src/migrate/files.ts)
  checksum text NOT NULL,
  applied_at timestamptz,
  duration_ms integer,
  applied_by text NOT NULL,
  -- Only for `-- dreamdb:no-transaction` files: statements done so far while the file is in
  -- progress, and the sha256 of their text; both NULL once the file has finished.
  statements_done integer,
  done_checksum text
);

-- The Supabase-compatible base (sql/base/supabase.sql), by checksum, so reruns skip it.
CREATE TABLE IF NOT EXISTS dreamdb.base (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  installed_at timestamptz NOT NULL DEFAULT now()
);

-- The Supabase CLI's ledger, kept in step in the same transaction so `supabase db push` and
-- dreamdb agree about what is applied.
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (
  version text NOT NULL PRIMARY KEY,
  statements text[],
  name text
);
