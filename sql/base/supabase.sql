-- dreamdb: the Supabase-compatible base.
--
-- Installed by `dreamdb migrate` on plain PostgreSQL (embedded, CI, a laptop) before any migration,
-- and skipped on a real Supabase project. It reproduces what the Dream Suite schema depends on,
-- faithfully enough that an audit here tells the truth about Supabase:
--   * the API roles and PostgREST's login role, with Supabase's per-role statement timeouts;
--   * the `extensions` schema;
--   * auth.users and auth.uid()/role()/email()/jwt() with Supabase's exact GUC semantics;
--   * storage.buckets / storage.objects (RLS on) and storage.foldername()/filename()/extension();
--   * the supabase_realtime publication (empty, as on a new project);
--   * `extensions` on the database's search_path, as on Supabase;
--   * Supabase's initial default privileges on `public` (and, unless auto_expose_new_tables is
--     on, the revoke Supabase runs since 2026: sql/base/data-api-revoke.sql, appended by
--     dreamdb), so hardening is tested against the real defaults and not a kinder world.
-- Idempotent. Roles are cluster-wide: a role that already exists with other attributes is left as
-- it is and reported with a WARNING (dreamdb prints it).

-- Roles ---------------------------------------------------------------------------------------
DO $base$
DECLARE
  want record;
  have pg_roles%ROWTYPE;
BEGIN
  FOR want IN
    SELECT * FROM (VALUES
      ('anon',          false, false, false),
      ('authenticated', false, false, false),
      ('service_role',  false, false, true),
      ('authenticator', true,  false, false)
    ) AS t(name, can_login, inherit, bypassrls)
  LOOP
    SELECT * INTO have FROM pg_roles WHERE rolname = want.name;
    IF NOT FOUND THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I %s %s %s', want.name,
          CASE WHEN want.can_login THEN 'LOGIN' ELSE 'NOLOGIN' END,
          CASE WHEN want.inherit THEN 'INHERIT' ELSE 'NOINHERIT' END,
          CASE WHEN want.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database on this server created it at the same moment
      END;
    ELSIF have.rolcanlogin IS DISTINCT FROM want.can_login
       OR have.rolinherit IS DISTINCT FROM want.inherit
       OR have.rolbypassrls IS DISTINCT FROM want.bypassrls
       OR have.rolsuper THEN
      RAISE WARNING 'dreamdb base: role % already exists with other settings (login=%, inherit=%, bypassrls=%, superuser=%); left as it is',
        want.name, have.rolcanlogin, have.rolinherit, have.rolbypassrls, have.rolsuper
        USING HINT = 'Supabase has login=' || want.can_login || ', inherit=' || want.inherit
                  || ', bypassrls=' || want.bypassrls || ', superuser=false';
    END IF;
  END LOOP;
END
$base$;

-- PostgREST logs in as authenticator and switches to the role named by the JWT.
GRANT anon, authenticated, service_role TO authenticator;

-- Supabase's per-role statement timeouts. Role settings apply at login, so impersonation (audit,
-- bench) applies them with set_config(..., true), the way PostgREST does.
DO $base$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                 WHERE r.rolname = 'anon' AND s.setdatabase = 0) THEN
    ALTER ROLE anon SET statement_timeout = '3s';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                 WHERE r.rolname = 'authenticated' AND s.setdatabase = 0) THEN
    ALTER ROLE authenticated SET statement_timeout = '8s';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                 WHERE r.rolname = 'authenticator' AND s.setdatabase = 0) THEN
    ALTER ROLE authenticator SET statement_timeout = '8s';
  END IF;
EXCEPTION WHEN unique_violation THEN
  NULL; -- set at the same moment from another database on this server
END
$base$;

-- Schemas -------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;
-- As on Supabase; its view answers only where the library is preloaded (the embedded server is).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA extensions;

-- As on Supabase (supabase/postgres, migrations/db/init-scripts/00000000000003-post-setup.sql:
-- ALTER ROLE postgres SET search_path TO "$user",public,extensions; and PostgREST's
-- db-extra-search-path = public, extensions for every request), so migrations may call
-- gen_random_bytes(), uuid_generate_v4(), crypt() unqualified. A role setting is cluster-wide and
-- would reach every database of a shared server: the base sets the same value on this database,
-- which every role connecting to it (the migrating role, authenticator) gets.
DO $base$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path TO "$user", public, extensions', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'dreamdb base: cannot set search_path on database % (not its owner); unqualified extension functions (gen_random_bytes, uuid_generate_v4) will not resolve', current_database()
    USING HINT = 'ALTER DATABASE ' || quote_ident(current_database()) || ' SET search_path TO "$user", public, extensions; as its owner';
END
$base$;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
-- Supabase's initial schema: everything created in public is fully granted to every API role,
-- including TRUNCATE (which ignores RLS) and EXECUTE on every function. Since 2026-10-30 every
-- Supabase project then revokes part of it (sql/base/data-api-revoke.sql, appended unless
-- auto_expose_new_tables is on); what is left (TRUNCATE, REFERENCES, TRIGGER) migrations revoke.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;

-- auth ----------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

-- The columns of Supabase Auth's users table that a schema or a seed touches.
CREATE TABLE IF NOT EXISTS auth.users (
  instance_id uuid,
  id uuid PRIMARY KEY,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  phone text UNIQUE DEFAULT NULL,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  is_anonymous boolean NOT NULL DEFAULT false,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  deleted_at timestamptz
);
-- The rest of Supabase Auth's columns that seeds copied from Supabase's local-development docs
-- name (confirmation and recovery tokens, sign-in times); added to older bases too.
ALTER TABLE auth.users
  ADD COLUMN IF NOT EXISTS invited_at timestamptz,
  ADD COLUMN IF NOT EXISTS confirmation_token varchar(255),
  ADD COLUMN IF NOT EXISTS confirmation_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS recovery_token varchar(255),
  ADD COLUMN IF NOT EXISTS recovery_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS email_change_token_new varchar(255),
  ADD COLUMN IF NOT EXISTS email_change varchar(255),
  ADD COLUMN IF NOT EXISTS email_change_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS email_change_token_current varchar(255) DEFAULT '',
  ADD COLUMN IF NOT EXISTS email_change_confirm_status smallint DEFAULT 0,
  ADD COLUMN IF NOT EXISTS last_sign_in_at timestamptz,
  ADD COLUMN IF NOT EXISTS phone_confirmed_at timestamptz,
  ADD COLUMN IF NOT EXISTS phone_change text DEFAULT '',
  ADD COLUMN IF NOT EXISTS phone_change_token varchar(255) DEFAULT '',
  ADD COLUMN IF NOT EXISTS phone_change_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS banned_until timestamptz,
  ADD COLUMN IF NOT EXISTS reauthentication_token varchar(255) DEFAULT '',
  ADD COLUMN IF NOT EXISTS reauthentication_sent_at timestamptz,
  ADD COLUMN IF NOT EXISTS is_sso_user boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS users_email_idx ON auth.users (email);
-- Never reachable through the API.
REVOKE ALL ON auth.users FROM anon, authenticated;
GRANT ALL ON auth.users TO service_role;

-- Exactly Supabase's helpers: the legacy per-claim GUC wins when non-empty; after first use in a
-- session an unset GUC reads as '' rather than NULL, hence nullif.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt()
  TO anon, authenticated, service_role;

-- storage -------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS storage.buckets (
  id text PRIMARY KEY,
  name text NOT NULL,
  owner uuid,
  owner_id text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  public boolean DEFAULT false,
  avif_autodetection boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[]
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);

CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now(),
  metadata jsonb,
  user_metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects (name text_pattern_ops);

-- As hosted Supabase (supabase/storage, migrations/tenant/0037-add-bucket-name-length-trigger.sql);
-- with a fixed search_path here so dreamdb's own lints stay quiet (it calls only length()).
CREATE OR REPLACE FUNCTION storage.enforce_bucket_name_length() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF length(new.name) > 100 THEN
    RAISE EXCEPTION 'bucket name "%" is too long (% characters). Max is 100.', new.name, length(new.name);
  END IF;
  RETURN new;
END;
$$;
DROP TRIGGER IF EXISTS enforce_bucket_name_length_trigger ON storage.buckets;
CREATE TRIGGER enforce_bucket_name_length_trigger
  BEFORE INSERT OR UPDATE OF name ON storage.buckets
  FOR EACH ROW EXECUTE FUNCTION storage.enforce_bucket_name_length();

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
-- As on hosted Supabase (supabase/storage, migrations/tenant/0046-buckets-objects-grants.sql):
-- ALL, TRUNCATE included, to every API role; policies decide, and audit-rls reports the TRUNCATE.
-- Object names are validated by the Storage API, not the database (see docs/supabase.md).
GRANT ALL ON storage.buckets, storage.objects TO anon, authenticated, service_role;
-- service_role bypasses RLS on Supabase the same way (BYPASSRLS).

CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE _parts text[];
BEGIN
  SELECT string_to_array(name, '/') INTO _parts;
  RETURN _parts[1:array_length(_parts, 1) - 1];
END
$$;

CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE _parts text[];
BEGIN
  SELECT string_to_array(name, '/') INTO _parts;
  RETURN _parts[array_length(_parts, 1)];
END
$$;

CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE _parts text[]; _filename text;
BEGIN
  SELECT string_to_array(name, '/') INTO _parts;
  SELECT _parts[array_length(_parts, 1)] INTO _filename;
  RETURN reverse(split_part(reverse(_filename), '.', 1));
END
$$;

GRANT EXECUTE ON FUNCTION storage.foldername(text), storage.filename(text), storage.extension(text)
  TO anon, authenticated, service_role;

-- realtime ------------------------------------------------------------------------------------
DO $base$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
END
$base$;
