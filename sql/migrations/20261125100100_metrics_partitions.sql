-- dreamdb: yearly partitions of public.metrics, created, attached and retired without blocking
-- the app (FACTS.md section 4). The CLI (`dreamdb partitions rotate`) and the in-database pg_cron
-- job (CALL dreamdb.rotate_metrics_partitions()) both run these functions: one implementation.
--
-- The steps, and the lock each takes on the parent:
--   plan      metrics_partition_plan()            reads the catalog: which years to create, adopt,
--                                                 finalize or retire, from the calendar (never from
--                                                 the data), so a missing future year is never silent.
--   prepare   create_metrics_partition_table(y)   a standalone table LIKE the parent (ACCESS SHARE
--                                                 on the parent), its bounds CHECK, RLS enabled and
--                                                 forced, no API-role privileges. Idempotent: a table
--                                                 left by an interrupted run is repaired ("adopted").
--   attach    attach_metrics_partition(y, ms)     ATTACH under a lock_timeout: SHARE UPDATE EXCLUSIVE
--                                                 on the parent, so reads and writes go on; the
--                                                 CHECK skips the validation scan. The caller
--                                                 retries on SQLSTATE 55P03 with backoff.
--   finalize  finalize_metrics_detach(ms)         completes a DETACH ... CONCURRENTLY that was
--                                                 interrupted.
--   detach    metrics_detach_statement(table)     the DETACH ... CONCURRENTLY statement; it cannot
--                                                 run inside a function or a transaction, so only
--                                                 the CLI retires partitions.
--   drop      drop_metrics_partition_table(t, ms) drops a detached, retired table.
--
-- Default partition policy: dreamdb never creates one. The horizon is kept by rotation (calendar
-- years ahead) and watched by `dreamdb partitions check`; an insert beyond it fails loudly instead
-- of piling rows into a default that would make every later ATTACH scan it under ACCESS EXCLUSIVE
-- and would forbid DETACH CONCURRENTLY. If someone added a default partition anyway, attach moves
-- the rows of the new range out of it in the same transaction (nothing lost, nothing left behind),
-- and retirement refuses to run (it would need ACCESS EXCLUSIVE on the parent).
--
-- Every function is SECURITY INVOKER (the caller must own metrics, as ATTACH requires) with a fixed
-- search_path, and none is executable by the API roles.

CREATE SCHEMA IF NOT EXISTS dreamdb;
REVOKE ALL ON SCHEMA dreamdb FROM PUBLIC, anon, authenticated, service_role;

-- The partitioned parent, validated: range-partitioned on one date column.
CREATE OR REPLACE FUNCTION dreamdb.metrics_partition_parent(
  p_parent text DEFAULT 'public.metrics',
  OUT relid oid, OUT schema_name name, OUT table_name name, OUT key_column name,
  OUT owner_name name, OUT default_partition oid)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  relid := to_regclass(p_parent);
  IF relid IS NULL THEN
    RAISE EXCEPTION 'dreamdb: table % does not exist', p_parent
      USING ERRCODE = 'undefined_table', HINT = 'Run dreamdb migrate first.';
  END IF;
  SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner)
    INTO schema_name, table_name, owner_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = relid;
  SELECT a.attname, nullif(pt.partdefid, 0)
    INTO key_column, default_partition
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
   WHERE pt.partrelid = relid AND pt.partstrat = 'r' AND pt.partnatts = 1
     AND a.atttypid = 'date'::regtype;
  IF key_column IS NULL THEN
    RAISE EXCEPTION 'dreamdb: % is not partitioned by range on one date column', p_parent
      USING ERRCODE = 'wrong_object_type';
  END IF;
END
$fn$;

-- The advisory lock key of a rotation, shared by the CLI (LockKeys.partitions in src/db/lock.ts)
-- and the pg_cron procedure: one rotation per database at a time.
CREATE OR REPLACE FUNCTION dreamdb.metrics_partitions_lock_key(p_parent text DEFAULT 'public.metrics')
RETURNS bigint
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT 7424051239002::bigint
$fn$;

-- The name dreamdb gives year y's partition: <parent>_y<yyyy>, in the parent's schema.
CREATE OR REPLACE FUNCTION dreamdb.metrics_partition_name(p_year int, p_parent text DEFAULT 'public.metrics')
RETURNS name
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  p record;
BEGIN
  IF p_year IS NULL OR p_year < 1000 OR p_year > 9998 THEN
    RAISE EXCEPTION 'dreamdb: year % is out of range', p_year USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO p FROM dreamdb.metrics_partition_parent(p_parent);
  IF length(p.table_name) > 57 THEN
    RAISE EXCEPTION 'dreamdb: table name % is too long for yearly partition names', p.table_name
      USING ERRCODE = 'name_too_long';
  END IF;
  RETURN (p.table_name || '_y' || p_year::text)::name;
END
$fn$;

-- Every partition of the parent (attached, pending detach, default) and every standalone table
-- named like one of dreamdb's (created but not attached yet, or detached by retention), with what
-- its protection depends on.
CREATE OR REPLACE FUNCTION dreamdb.metrics_partitions(p_parent text DEFAULT 'public.metrics')
RETURNS TABLE (
  table_schema name, table_name name, state text, year int, lo date, hi date,
  rls_enabled boolean, rls_forced boolean, api_privileges text[], missing_indexes text[],
  owner_name name, rows_estimate bigint, size_bytes bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  p record;
  v_prefix text;
BEGIN
  SELECT * INTO p FROM dreamdb.metrics_partition_parent(p_parent);
  v_prefix := p.table_name || '_y';
  RETURN QUERY
  WITH members AS (
    SELECT c.oid, CASE WHEN i.inhdetachpending THEN 'detach_pending'
                       WHEN pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' THEN 'default'
                       ELSE 'attached' END AS state,
           regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS b
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = p.relid
    UNION ALL
    SELECT c.oid, 'standalone', NULL
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = p.schema_name AND c.relkind = 'r' AND NOT c.relispartition
       AND left(c.relname, length(v_prefix)) = v_prefix
       AND substr(c.relname, length(v_prefix) + 1) ~ '^[0-9]{4}$'
  ), bounded AS (
    SELECT m.*,
           CASE WHEN m.b IS NULL THEN NULL WHEN m.b[1] = 'MINVALUE' THEN '-infinity'::date
                ELSE btrim(m.b[1], '''')::date END AS lo,
           CASE WHEN m.b IS NULL THEN NULL WHEN m.b[2] = 'MAXVALUE' THEN 'infinity'::date
                ELSE btrim(m.b[2], '''')::date END AS hi
      FROM members m
  ), named AS (
    SELECT bo.*, c.relname, c.relnamespace,
           CASE WHEN left(c.relname, length(v_prefix)) = v_prefix
                 AND substr(c.relname, length(v_prefix) + 1) ~ '^[0-9]{4}$'
                THEN substr(c.relname, length(v_prefix) + 1)::int END AS name_year
      FROM bounded bo JOIN pg_class c ON c.oid = bo.oid
  )
  SELECT n.nspname, c.relname, x.state,
         coalesce(CASE WHEN isfinite(x.lo) AND isfinite(x.hi) THEN
                    CASE WHEN x.lo = make_date(extract(year FROM x.lo)::int, 1, 1)
                          AND x.hi = make_date(extract(year FROM x.lo)::int + 1, 1, 1)
                         THEN extract(year FROM x.lo)::int END END,
                  CASE WHEN x.state = 'standalone' THEN x.name_year END),
         coalesce(x.lo, CASE WHEN x.state = 'standalone' THEN make_date(x.name_year, 1, 1) END),
         coalesce(x.hi, CASE WHEN x.state = 'standalone' THEN make_date(x.name_year + 1, 1, 1) END),
         c.relrowsecurity, c.relforcerowsecurity,
         ARRAY(SELECT coalesce(r.rolname, 'PUBLIC') || ':' || a.privilege_type
                 FROM aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
                WHERE a.grantee = 0 OR r.rolname IN ('anon', 'authenticated', 'service_role')
                ORDER BY 1),
         CASE WHEN x.state IN ('attached', 'default', 'detach_pending') THEN
           ARRAY(SELECT pi.indexrelid::regclass::text FROM pg_index pi
                  WHERE pi.indrelid = p.relid
                    AND NOT EXISTS (SELECT 1 FROM pg_inherits ih JOIN pg_index ci ON ci.indexrelid = ih.inhrelid
                                     WHERE ih.inhparent = pi.indexrelid AND ci.indrelid = c.oid)
                  ORDER BY 1)
         END,
         pg_get_userbyid(c.relowner)::name,
         CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END,
         pg_total_relation_size(c.oid)
    FROM named x
    JOIN pg_class c ON c.oid = x.oid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   ORDER BY x.lo NULLS LAST, c.relname;
END
$fn$;

-- What a rotation has to do, from the calendar: every year from the first year (default: the one
-- before p_now's; never before the retention cut-off) to p_now's year + p_ahead must be covered;
-- with p_retain, partitions that end before Jan 1 of (p_now's year - p_retain) are retired.
-- Actions, in the order to run them: finalize (an interrupted concurrent detach), create (no table
-- yet), adopt (a standalone table left by an interrupted run: repair and attach), conflict (other
-- partitions cover part of the year: a person has to look), detach (retire), retired (a detached
-- table already past retention: the CLI may archive and drop it).
CREATE OR REPLACE FUNCTION dreamdb.metrics_partition_plan(
  p_now date DEFAULT NULL, p_ahead int DEFAULT 2, p_first_year int DEFAULT NULL,
  p_retain int DEFAULT NULL, p_parent text DEFAULT 'public.metrics')
RETURNS TABLE (step int, action text, year int, table_name name, lo date, hi date, reason text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_now date := coalesce(p_now, current_date);
  v_year int := extract(year FROM coalesce(p_now, current_date))::int;
  v_first int;
  v_last int;
  v_cutoff date;
  v_step int := 0;
  v_covered int;
  v_overlapping text;
  v_name name;
  v_parts jsonb;
  r record;
BEGIN
  IF p_ahead IS NULL OR p_ahead < 0 OR p_ahead > 100 THEN
    RAISE EXCEPTION 'dreamdb: ahead must be between 0 and 100 (got %)', p_ahead USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_retain IS NOT NULL AND (p_retain < 0 OR p_retain > 1000) THEN
    RAISE EXCEPTION 'dreamdb: retain must be between 0 and 1000 (got %)', p_retain USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM dreamdb.metrics_partition_parent(p_parent);
  v_first := least(v_year, coalesce(p_first_year, v_year - 1));
  IF p_retain IS NOT NULL THEN
    v_first := greatest(v_first, v_year - p_retain);
    v_cutoff := make_date(v_year - p_retain, 1, 1);
  END IF;
  v_last := v_year + p_ahead;

  SELECT coalesce(jsonb_agg(to_jsonb(d)), '[]'::jsonb) INTO v_parts FROM dreamdb.metrics_partitions(p_parent) d;

  FOR r IN SELECT * FROM jsonb_to_recordset(v_parts) AS d(table_name name, state text, year int, lo date, hi date) WHERE d.state = 'detach_pending' LOOP
    v_step := v_step + 1;
    RETURN QUERY SELECT v_step, 'finalize'::text, r.year, r.table_name, r.lo, r.hi,
      'a concurrent detach was interrupted'::text;
  END LOOP;

  FOR y IN v_first .. v_last LOOP
    SELECT coalesce(sum(least(d.hi, make_date(y + 1, 1, 1)) - greatest(d.lo, make_date(y, 1, 1))), 0),
           string_agg(d.table_name, ', ' ORDER BY d.lo)
      INTO v_covered, v_overlapping
      FROM jsonb_to_recordset(v_parts) AS d(table_name name, state text, year int, lo date, hi date)
     WHERE d.state = 'attached' AND d.lo < make_date(y + 1, 1, 1) AND d.hi > make_date(y, 1, 1);
    CONTINUE WHEN v_covered = make_date(y + 1, 1, 1) - make_date(y, 1, 1);
    v_step := v_step + 1;
    v_name := dreamdb.metrics_partition_name(y, p_parent);
    IF v_covered > 0 THEN
      RETURN QUERY SELECT v_step, 'conflict'::text, y, v_name, make_date(y, 1, 1), make_date(y + 1, 1, 1),
        format('%s cover(s) part of %s; dreamdb only creates whole-year partitions', v_overlapping, y);
    ELSIF EXISTS (SELECT 1 FROM jsonb_to_recordset(v_parts) AS d(table_name name, state text, year int, lo date, hi date) WHERE d.state = 'standalone' AND d.table_name = v_name) THEN
      RETURN QUERY SELECT v_step, 'adopt'::text, y, v_name, make_date(y, 1, 1), make_date(y + 1, 1, 1),
        'table exists but is not attached (interrupted run)'::text;
    ELSE
      RETURN QUERY SELECT v_step, 'create'::text, y, v_name, make_date(y, 1, 1), make_date(y + 1, 1, 1),
        CASE WHEN y < v_year THEN 'history' WHEN y = v_year THEN 'current year' ELSE 'ahead' END;
    END IF;
  END LOOP;

  IF v_cutoff IS NOT NULL THEN
    FOR r IN SELECT * FROM jsonb_to_recordset(v_parts) AS d(table_name name, state text, year int, lo date, hi date)
              WHERE d.state = 'attached' AND d.hi <= v_cutoff ORDER BY d.lo LOOP
      v_step := v_step + 1;
      RETURN QUERY SELECT v_step, 'detach'::text, r.year, r.table_name, r.lo, r.hi,
        format('ends before %s (retain %s)', v_cutoff, p_retain);
    END LOOP;
    FOR r IN SELECT * FROM jsonb_to_recordset(v_parts) AS d(table_name name, state text, year int, lo date, hi date)
              WHERE d.state = 'standalone' AND d.hi <= v_cutoff ORDER BY d.lo LOOP
      v_step := v_step + 1;
      RETURN QUERY SELECT v_step, 'retired'::text, r.year, r.table_name, r.lo, r.hi,
        format('detached; ends before %s', v_cutoff);
    END LOOP;
  END IF;
END
$fn$;

-- Creates year y's table standalone, with everything its protection depends on, or repairs one
-- left by an interrupted run. Never touches an attached partition. Returns created | adopted |
-- attached.
CREATE OR REPLACE FUNCTION dreamdb.create_metrics_partition_table(
  p_year int, p_lock_timeout_ms int DEFAULT NULL, p_parent text DEFAULT 'public.metrics')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  p record;
  v_name name := dreamdb.metrics_partition_name(p_year, p_parent);
  v_rel oid;
  v_table text;
  v_status text;
  v_roles text;
  v_ident "char";
  c record;
  r record;
BEGIN
  SELECT * INTO p FROM dreamdb.metrics_partition_parent(p_parent);
  IF p_lock_timeout_ms IS NOT NULL THEN
    PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
  END IF;
  v_table := format('%I.%I', p.schema_name, v_name);
  SELECT k.oid, k.relkind, k.relispartition, i.inhparent INTO c
    FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace
    LEFT JOIN pg_inherits i ON i.inhrelid = k.oid
   WHERE n.nspname = p.schema_name AND k.relname = v_name;
  IF FOUND THEN
    IF c.relispartition AND c.inhparent = p.relid THEN
      RETURN 'attached';
    ELSIF c.relkind <> 'r' OR c.relispartition THEN
      RAISE EXCEPTION 'dreamdb: % exists and is not a table dreamdb can adopt', v_table
        USING ERRCODE = 'duplicate_table', HINT = 'Rename or drop it, then run the rotation again.';
    END IF;
    v_rel := c.oid;
    v_status := 'adopted';
    -- ATTACH demands the parent's CHECK constraints (by name) and NOT NULL columns; a table
    -- made by hand may lack them. Columns of another type still fail ATTACH: a person decides.
    FOR r IN SELECT k.conname, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k
              WHERE k.conrelid = p.relid AND k.contype = 'c' AND NOT k.connoinherit
                AND NOT EXISTS (SELECT 1 FROM pg_constraint o WHERE o.conrelid = v_rel AND o.conname = k.conname) LOOP
      EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', v_table, r.conname, r.def);
    END LOOP;
    FOR r IN SELECT a.attname FROM pg_attribute a
               JOIN pg_attribute o ON o.attrelid = v_rel AND o.attname = a.attname AND NOT o.attisdropped
              WHERE a.attrelid = p.relid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull AND NOT o.attnotnull LOOP
      EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', v_table, r.attname);
    END LOOP;
  ELSE
    -- Not INCLUDING IDENTITY: a partition must not have its own identity sequence. Indexes
    -- matching the parent's are copied here, so ATTACH adopts them instead of building them.
    EXECUTE format('CREATE TABLE %s (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                   'INCLUDING GENERATED INCLUDING INDEXES INCLUDING STATISTICS INCLUDING STORAGE '
                   'INCLUDING COMMENTS INCLUDING COMPRESSION)', v_table, p.schema_name, p.table_name);
    v_rel := v_table::regclass;
    v_status := 'created';
  END IF;

  -- A valid CHECK matching the bounds lets ATTACH skip its validation scan.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = v_rel AND conname = v_name || '_bounds') THEN
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%I IS NOT NULL AND %I >= %L::date AND %I < %L::date)',
                   v_table, v_name || '_bounds', p.key_column, p.key_column, make_date(p_year, 1, 1),
                   p.key_column, make_date(p_year + 1, 1, 1));
  END IF;

  -- Postgres copies neither RLS settings nor policies to partitions, and Supabase's default
  -- privileges grant ALL on every new table in public to the API roles: a partition reachable by
  -- an API role would be an unprotected table. Reads go through the parent (its policies apply).
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', v_table);
  SELECT string_agg(quote_ident(rolname), ', ') INTO v_roles
    FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role');
  EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC%s', v_table, coalesce(', ' || v_roles, ''));
  IF (SELECT relowner FROM pg_class WHERE oid = v_rel) <> (SELECT relowner FROM pg_class WHERE oid = p.relid) THEN
    EXECUTE format('ALTER TABLE %s OWNER TO %I', v_table, p.owner_name);
  END IF;
  -- Realtime decodes partition changes with the partition's own replica identity.
  SELECT relreplident INTO v_ident FROM pg_class WHERE oid = p.relid;
  IF v_ident = 'f' THEN
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', v_table);
  ELSIF v_ident = 'n' THEN
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY NOTHING', v_table);
  END IF;
  RETURN v_status;
END
$fn$;

-- Attaches year y's prepared table. Run it in its own short transaction: it sets a
-- transaction-local lock_timeout, so a busy parent makes it fail fast with 55P03 and the caller
-- retries with backoff. If a default partition exists, the rows of year y sitting in it are moved
-- into the new partition first, in the same transaction. Returns attached | already attached.
CREATE OR REPLACE FUNCTION dreamdb.attach_metrics_partition(
  p_year int, p_lock_timeout_ms int DEFAULT NULL, p_parent text DEFAULT 'public.metrics',
  OUT status text, OUT moved_rows bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  p record;
  v_name name := dreamdb.metrics_partition_name(p_year, p_parent);
  v_table text;
  v_rel oid;
  v_cols text;
  v_default oid;
  v_ident oid;
  v_child_ident regclass;
BEGIN
  moved_rows := 0;
  SELECT * INTO p FROM dreamdb.metrics_partition_parent(p_parent);
  v_table := format('%I.%I', p.schema_name, v_name);
  v_rel := to_regclass(v_table);
  IF v_rel IS NULL THEN
    RAISE EXCEPTION 'dreamdb: % does not exist', v_table
      USING ERRCODE = 'undefined_table', HINT = 'Create it with dreamdb.create_metrics_partition_table() first.';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = v_rel AND inhparent = p.relid) THEN
    status := 'already attached';
    RETURN;
  END IF;
  IF p_lock_timeout_ms IS NOT NULL THEN
    PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
  END IF;
  -- The same order ATTACH takes its locks in: parent, then the default partition.
  EXECUTE format('LOCK TABLE %I.%I IN SHARE UPDATE EXCLUSIVE MODE', p.schema_name, p.table_name);
  SELECT dp.default_partition INTO v_default FROM dreamdb.metrics_partition_parent(p_parent) dp;
  IF v_default IS NOT NULL THEN
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_default::regclass);
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO v_cols
      FROM pg_attribute
     WHERE attrelid = p.relid AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING %s) '
                   'INSERT INTO %s (%s) SELECT %s FROM moved',
                   v_default::regclass, p.key_column, p.key_column, v_cols, v_table, v_cols, v_cols)
      USING make_date(p_year, 1, 1), make_date(p_year + 1, 1, 1);
    GET DIAGNOSTICS moved_rows = ROW_COUNT;
  END IF;
  EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)',
                 p.schema_name, p.table_name, v_table, make_date(p_year, 1, 1), make_date(p_year + 1, 1, 1));
  -- REPLICA IDENTITY USING INDEX: point the partition at its copy of the parent's index.
  SELECT indexrelid INTO v_ident FROM pg_index WHERE indrelid = p.relid AND indisreplident;
  IF v_ident IS NOT NULL THEN
    SELECT ih.inhrelid::regclass INTO v_child_ident
      FROM pg_inherits ih JOIN pg_index ci ON ci.indexrelid = ih.inhrelid
     WHERE ih.inhparent = v_ident AND ci.indrelid = v_rel;
    IF v_child_ident IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %s REPLICA IDENTITY USING INDEX %I', v_table,
                     (SELECT relname FROM pg_class WHERE oid = v_child_ident));
    END IF;
  END IF;
  status := 'attached';
END
$fn$;

-- Prepare and attach in one go: for this migration, where metrics is new and empty. Rotation
-- uses the two steps in separate transactions instead.
CREATE OR REPLACE FUNCTION dreamdb.ensure_metrics_partition(p_year int, p_parent text DEFAULT 'public.metrics')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_prepared text;
BEGIN
  v_prepared := dreamdb.create_metrics_partition_table(p_year, NULL, p_parent);
  IF v_prepared = 'attached' THEN
    RETURN 'already attached';
  END IF;
  PERFORM dreamdb.attach_metrics_partition(p_year, NULL, p_parent);
  RETURN v_prepared;
END
$fn$;

-- Completes an interrupted DETACH ... CONCURRENTLY (FINALIZE may run in a transaction). Returns
-- the tables it finalized.
CREATE OR REPLACE FUNCTION dreamdb.finalize_metrics_detach(
  p_lock_timeout_ms int DEFAULT NULL, p_parent text DEFAULT 'public.metrics')
RETURNS text[]
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  p record;
  r record;
  v_done text[] := '{}';
BEGIN
  SELECT * INTO p FROM dreamdb.metrics_partition_parent(p_parent);
  IF p_lock_timeout_ms IS NOT NULL THEN
    PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
  END IF;
  FOR r IN SELECT i.inhrelid::regclass AS child FROM pg_inherits i
            WHERE i.inhparent = p.relid AND i.inhdetachpending LOOP
    EXECUTE format('ALTER TABLE %I.%I DETACH PARTITION %s FINALIZE', p.schema_name, p.table_name, r.child);
    v_done := v_done || r.child::text;
  END LOOP;
  RETURN v_done;
END
$fn$;

-- The statement that retires one partition without ACCESS EXCLUSIVE on the parent. It cannot run
-- inside a function or a transaction block: the CLI runs it as a statement of its own.
CREATE OR REPLACE FUNCTION dreamdb.metrics_detach_statement(p_table text, p_parent text DEFAULT 'public.metrics')
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  p record;
  v_rel oid;
BEGIN
  SELECT * INTO p FROM dreamdb.metrics_partition_parent(p_parent);
  v_rel := to_regclass(format('%I.%I', p.schema_name, p_table));
  IF v_rel IS NULL OR NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = v_rel AND inhparent = p.relid) THEN
    RAISE EXCEPTION 'dreamdb: % is not a partition of %.%', p_table, p.schema_name, p.table_name
      USING ERRCODE = 'undefined_table';
  END IF;
  IF p.default_partition IS NOT NULL THEN
    RAISE EXCEPTION 'dreamdb: %.% has a default partition (%), so Postgres forbids DETACH ... CONCURRENTLY',
      p.schema_name, p.table_name, p.default_partition::regclass
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Move its rows into yearly partitions (dreamdb partitions rotate) and drop it; retention never takes ACCESS EXCLUSIVE on the parent.';
  END IF;
  RETURN format('ALTER TABLE %I.%I DETACH PARTITION %s CONCURRENTLY', p.schema_name, p.table_name, v_rel::regclass);
END
$fn$;

-- Drops a detached (standalone) table named like one of dreamdb's partitions; refuses anything
-- else. Dropping it removes its foreign keys' triggers, which briefly locks the referenced tables:
-- hence the lock_timeout.
CREATE OR REPLACE FUNCTION dreamdb.drop_metrics_partition_table(
  p_table text, p_lock_timeout_ms int DEFAULT NULL, p_parent text DEFAULT 'public.metrics')
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  p record;
BEGIN
  SELECT * INTO p FROM dreamdb.metrics_partition_parent(p_parent);
  IF NOT EXISTS (SELECT 1 FROM dreamdb.metrics_partitions(p_parent) d
                  WHERE d.table_name = p_table AND d.state = 'standalone') THEN
    IF to_regclass(format('%I.%I', p.schema_name, p_table)) IS NULL THEN
      RETURN false;
    END IF;
    RAISE EXCEPTION 'dreamdb: %.% is not a detached partition table of %', p.schema_name, p_table, p.table_name
      USING ERRCODE = 'wrong_object_type';
  END IF;
  IF p_lock_timeout_ms IS NOT NULL THEN
    PERFORM set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
  END IF;
  EXECUTE format('DROP TABLE %I.%I', p.schema_name, p_table);
  RETURN true;
END
$fn$;

-- The in-database rotation, for pg_cron:
--   SELECT cron.schedule('dreamdb-partitions', '17 3 * * *',
--     $$CALL dreamdb.rotate_metrics_partitions(p_ahead => 2)$$);
-- It creates, adopts and finalizes like `dreamdb partitions rotate`, each step in its own short
-- transaction with lock_timeout, retrying with backoff (COMMIT between attempts). Retention stays
-- with the CLI: DETACH ... CONCURRENTLY cannot run inside a procedure, and archives are files.
-- Another rotation holding the lock: a NOTICE, nothing done. Any step that still fails after its
-- attempts: an ERROR at the end, so cron.job_run_details shows the job failed.
-- No SET clause: a procedure with one cannot COMMIT; everything here is schema-qualified.
CREATE OR REPLACE PROCEDURE dreamdb.rotate_metrics_partitions(
  p_ahead int DEFAULT 2, p_first_year int DEFAULT NULL, p_now date DEFAULT NULL,
  p_lock_timeout_ms int DEFAULT 200, p_max_attempts int DEFAULT 12, p_parent text DEFAULT 'public.metrics')
LANGUAGE plpgsql AS $fn$
DECLARE
  v_key bigint := dreamdb.metrics_partitions_lock_key(p_parent);
  v_steps jsonb;
  v_step jsonb;
  v_substeps text[];
  v_sub text;
  v_attempt int;
  v_outcome text;
  v_error text;
  v_changed boolean := false;
  v_failures text[] := '{}';
BEGIN
  IF NOT pg_catalog.pg_try_advisory_lock(v_key) THEN
    RAISE NOTICE 'dreamdb: another rotation of % is running; nothing done', p_parent;
    RETURN;
  END IF;
  SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(pl) ORDER BY pl.step), '[]'::jsonb) INTO v_steps
    FROM dreamdb.metrics_partition_plan(p_now, p_ahead, p_first_year, NULL, p_parent) pl;
  COMMIT;
  FOR i IN 0 .. pg_catalog.jsonb_array_length(v_steps) - 1 LOOP
    v_step := v_steps -> i;
    v_substeps := CASE v_step ->> 'action'
                    WHEN 'finalize' THEN ARRAY['finalize']
                    WHEN 'create' THEN ARRAY['prepare', 'attach']
                    WHEN 'adopt' THEN ARRAY['prepare', 'attach']
                    ELSE ARRAY['skip'] END;
    IF v_step ->> 'action' = 'conflict' THEN
      v_failures := v_failures || ((v_step ->> 'table_name') || ': ' || (v_step ->> 'reason'));
      CONTINUE;
    END IF;
    <<substeps>>
    FOREACH v_sub IN ARRAY v_substeps LOOP
      v_attempt := 0;
      LOOP
        v_attempt := v_attempt + 1;
        v_outcome := 'ok';
        BEGIN
          CASE v_sub
            WHEN 'finalize' THEN PERFORM dreamdb.finalize_metrics_detach(p_lock_timeout_ms, p_parent);
            WHEN 'prepare' THEN PERFORM dreamdb.create_metrics_partition_table((v_step ->> 'year')::int, p_lock_timeout_ms, p_parent);
            WHEN 'attach' THEN PERFORM dreamdb.attach_metrics_partition((v_step ->> 'year')::int, p_lock_timeout_ms, p_parent);
            ELSE NULL;
          END CASE;
        EXCEPTION
          WHEN lock_not_available OR deadlock_detected THEN
            v_outcome := 'retry';
          WHEN OTHERS THEN
            v_outcome := 'failed';
            v_error := SQLERRM;
        END;
        IF v_outcome = 'ok' THEN
          COMMIT;
          v_changed := true;
          EXIT;
        END IF;
        ROLLBACK;
        IF v_outcome = 'failed' OR v_attempt >= p_max_attempts THEN
          v_failures := v_failures || format('%s %s: %s', v_sub, v_step ->> 'table_name',
            CASE WHEN v_outcome = 'failed' THEN v_error ELSE format('lock not available after %s attempts', v_attempt) END);
          RAISE WARNING 'dreamdb: % % failed: %', v_sub, v_step ->> 'table_name', v_failures[pg_catalog.array_length(v_failures, 1)];
          EXIT substeps;
        END IF;
        PERFORM pg_catalog.pg_sleep(least(5.0, 0.1 * 2 ^ (v_attempt - 1)) * (0.5 + pg_catalog.random() / 2));
      END LOOP;
    END LOOP;
  END LOOP;
  IF v_changed THEN
    -- Autovacuum never analyzes a partitioned parent.
    EXECUTE pg_catalog.format('ANALYZE %s', pg_catalog.to_regclass(p_parent));
    COMMIT;
  END IF;
  PERFORM pg_catalog.pg_advisory_unlock(v_key);
  IF pg_catalog.cardinality(v_failures) > 0 THEN
    RAISE EXCEPTION 'dreamdb: rotation of % failed: %', p_parent, pg_catalog.array_to_string(v_failures, '; ')
      USING HINT = 'Run dreamdb partitions check, then dreamdb partitions rotate.';
  END IF;
END
$fn$;

REVOKE ALL ON FUNCTION
  dreamdb.metrics_partition_parent(text),
  dreamdb.metrics_partitions_lock_key(text),
  dreamdb.metrics_partition_name(int, text),
  dreamdb.metrics_partitions(text),
  dreamdb.metrics_partition_plan(date, int, int, int, text),
  dreamdb.create_metrics_partition_table(int, int, text),
  dreamdb.attach_metrics_partition(int, int, text),
  dreamdb.ensure_metrics_partition(int, text),
  dreamdb.finalize_metrics_detach(int, text),
  dreamdb.metrics_detach_statement(text, text),
  dreamdb.drop_metrics_partition_table(text, int, text)
  FROM PUBLIC, anon, authenticated, service_role;
REVOKE ALL ON PROCEDURE dreamdb.rotate_metrics_partitions(int, int, date, int, int, text)
  FROM PUBLIC, anon, authenticated, service_role;

-- The previous, current and next calendar year, so today's inserts (and last year's backfill)
-- work from the first deploy; `dreamdb partitions rotate` keeps the horizon from here on.
-- metrics is new and empty in this transaction, so attaching is cheap.
DO $do$
BEGIN
  IF to_regclass('public.metrics') IS NULL THEN
    RAISE NOTICE 'dreamdb: public.metrics does not exist yet; no partitions created';
    RETURN;
  END IF;
  PERFORM dreamdb.ensure_metrics_partition(y)
     FROM generate_series(extract(year FROM current_date)::int - 1, extract(year FROM current_date)::int + 1) AS y;
  EXECUTE 'ANALYZE public.metrics';
END
$do$;
