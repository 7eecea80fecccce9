-- Offline sync for the Expo app: WatermelonDB's pull/push protocol over two RPCs (docs/sync.md).
--
--   * Every synced table gets a server-assigned `updated_at` and a row `version`, both set by
--     trigger on every insert and real update: a client can neither choose nor send them (no column
--     privilege, and the trigger overwrites whatever arrives).
--   * Every insert, real update and delete appends one row to sync.changes, the per-artist change
--     log: deletions leave a tombstone there, the tables keep their plain DELETE.
--   * Commit-ordered cursor: a log row carries the writing transaction's id (xid8). sync_pull only
--     returns rows whose transaction is older than the oldest transaction still running
--     (pg_snapshot_xmin(pg_current_snapshot())), so every returned row is committed and no row can
--     commit later "behind" the cursor. now()-based cursors skip transactions that were open
--     during a pull (FACTS.md section 9); this one only waits for them.
--   * sync_pull(cursor, limit) and sync_push(mutations) are SECURITY INVOKER with an empty
--     search_path: the caller's RLS and column privileges decide everything.
--   * sync.mutations records every pushed mutation id with its outcome, so a retried batch is
--     answered from the record and changes nothing twice.
-- The log, the ledger and the trigger functions live in schema `sync`, outside the Data API's
-- exposed schemas: clients reach them only through the two RPCs. RLS is enabled on both tables,
-- per artist.

CREATE SCHEMA sync;
REVOKE ALL ON SCHEMA sync FROM PUBLIC;
GRANT USAGE ON SCHEMA sync TO authenticated, service_role;

-- The change log ---------------------------------------------------------------------------------

CREATE TABLE sync.changes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The writing transaction: the commit-ordered part of the cursor.
  xid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
  artist_id uuid NOT NULL,
  table_name text NOT NULL CHECK (table_name IN ('artists', 'platform_connections', 'metrics', 'insights',
                                                 'tasks', 'achievements', 'content', 'notifications')),
  row_id uuid NOT NULL,
  op text NOT NULL CHECK (op IN ('upsert', 'delete')),
  changed_at timestamptz NOT NULL DEFAULT now()
);
-- "This artist's changes since (xid, seq)", in cursor order: sync_pull's only scan.
CREATE INDEX changes_artist_cursor ON sync.changes (artist_id, xid, seq);
-- Compaction finds superseded rows of one record.
CREATE INDEX changes_record ON sync.changes (table_name, row_id, seq);

-- Pushed mutations and their outcome, per artist and client mutation id.
CREATE TABLE sync.mutations (
  artist_id uuid NOT NULL DEFAULT auth.uid(),
  mutation_id uuid NOT NULL,
  table_name text NOT NULL,
  row_id uuid,
  op text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'rejected')),
  reason text,
  version bigint,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (artist_id, mutation_id)
);

-- Not FORCE on the log: only the logging triggers write it, SECURITY DEFINER as its owner, so that
-- logging never decides whether a write succeeds (forcing would make every write depend on the
-- owner holding BYPASSRLS). Clients read it through RLS and cannot write it at all.
ALTER TABLE sync.changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.mutations ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync.mutations FORCE ROW LEVEL SECURITY;

CREATE POLICY "Artists read own changes" ON sync.changes
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists read own mutations" ON sync.mutations
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists record own mutations" ON sync.mutations
  FOR INSERT TO authenticated
  WITH CHECK (artist_id = (SELECT auth.uid()));

REVOKE ALL ON TABLE sync.changes, sync.mutations FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON TABLE sync.changes TO authenticated, service_role;
GRANT SELECT ON TABLE sync.mutations TO authenticated, service_role;
GRANT INSERT (mutation_id, table_name, row_id, op, status, reason, version) ON TABLE sync.mutations
  TO authenticated;

-- Server-owned sync columns ------------------------------------------------------------------------
-- ADD COLUMN with a constant-per-statement default rewrites nothing. On metrics it reaches every
-- partition, and partitions made later (CREATE TABLE ... LIKE metrics INCLUDING DEFAULTS) copy
-- it; the row triggers below are cloned onto every partition, existing and attached later.

ALTER TABLE public.artists ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE public.platform_connections
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE public.metrics
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE public.insights
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE public.tasks
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE public.achievements
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE public.content
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE public.notifications
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- platform_connections has column-level SELECT; the new columns must be readable to be synced.
GRANT SELECT (updated_at, version) ON TABLE public.platform_connections TO authenticated;
-- Offline-created rows carry the id the device generated (a random uuid), so the row is the same
-- record on the device and the server.
GRANT INSERT (id) ON TABLE public.tasks, public.content TO authenticated;

-- Triggers ----------------------------------------------------------------------------------------

-- updated_at is the server's clock and version counts real changes, whatever the writer sent.
CREATE FUNCTION sync.stamp_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  NEW.updated_at := now();
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
  ELSE
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;

-- One log row per change, for the row's artist; a row moved to another artist (by the server)
-- is a delete for the old one. Two functions, so each reads its owner column directly. SECURITY
-- DEFINER: they write the log as its owner, whoever made the change (a client, the server, a
-- cascade), and they do nothing else.
CREATE FUNCTION sync.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  -- TG_ARGV[0]: the table's name as clients know it (a metrics partition logs as metrics).
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.artist_id IS DISTINCT FROM NEW.artist_id) THEN
    INSERT INTO sync.changes (artist_id, table_name, row_id, op) VALUES (OLD.artist_id, TG_ARGV[0], OLD.id, 'delete');
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO sync.changes (artist_id, table_name, row_id, op) VALUES (NEW.artist_id, TG_ARGV[0], NEW.id, 'upsert');
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION sync.log_artist_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO sync.changes (artist_id, table_name, row_id, op) VALUES (OLD.id, 'artists', OLD.id, 'delete');
  ELSE
    INSERT INTO sync.changes (artist_id, table_name, row_id, op) VALUES (NEW.id, 'artists', NEW.id, 'upsert');
  END IF;
  RETURN NULL;
END
$$;

-- The sync stamp replaces artists' own updated_at trigger (same clock, and it also counts versions).
DROP TRIGGER update_artists_updated_at ON public.artists;

DO $triggers$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['artists', 'platform_connections', 'metrics', 'insights', 'tasks', 'achievements',
                           'content', 'notifications'] LOOP
    EXECUTE pg_catalog.format('CREATE TRIGGER sync_stamp_insert BEFORE INSERT ON public.%I '
                              'FOR EACH ROW EXECUTE FUNCTION sync.stamp_row()', t);
    -- A no-op UPDATE (same values) is not a change: no new version, nothing to sync.
    EXECUTE pg_catalog.format('CREATE TRIGGER sync_stamp_update BEFORE UPDATE ON public.%I '
                              'FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION sync.stamp_row()', t);
    EXECUTE pg_catalog.format('CREATE TRIGGER sync_log_insert AFTER INSERT ON public.%I '
                              'FOR EACH ROW EXECUTE FUNCTION sync.%I(%L)', t,
                              CASE WHEN t = 'artists' THEN 'log_artist_change' ELSE 'log_change' END, t);
    EXECUTE pg_catalog.format('CREATE TRIGGER sync_log_update AFTER UPDATE ON public.%I '
                              'FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version) EXECUTE FUNCTION sync.%I(%L)', t,
                              CASE WHEN t = 'artists' THEN 'log_artist_change' ELSE 'log_change' END, t);
    EXECUTE pg_catalog.format('CREATE TRIGGER sync_log_delete AFTER DELETE ON public.%I '
                              'FOR EACH ROW EXECUTE FUNCTION sync.%I(%L)', t,
                              CASE WHEN t = 'artists' THEN 'log_artist_change' ELSE 'log_change' END, t);
    -- Rows that exist before this migration are in the log too, so a first (full) pull gets them.
    EXECUTE pg_catalog.format('INSERT INTO sync.changes (artist_id, table_name, row_id, op) '
                              'SELECT %I, %L, id, ''upsert'' FROM public.%I ORDER BY id',
                              CASE WHEN t = 'artists' THEN 'id' ELSE 'artist_id' END, t, t);
  END LOOP;
END
$triggers$;

-- The pull's horizon ------------------------------------------------------------------------------
-- Transaction ids are cluster-wide: pg_snapshot_xmin() is held back by a writing transaction in
-- any database of the cluster (Supabase runs others beside `postgres`). A transaction of another
-- database can never write this database's log, so the horizon is the oldest transaction still in
-- progress in p_snapshot that is not known to belong to another database. A transaction that ends
-- between the snapshot and this look-up is no longer "known": it holds the horizon back for one
-- pull (safe), never forward. Read-only transactions have no xid and never hold it. SECURITY
-- DEFINER only to see other roles' backend_xid; without that privilege nothing is excluded and
-- the horizon is plain pg_snapshot_xmin (still exact, only slower to advance).
CREATE FUNCTION sync.safe_horizon(p_snapshot pg_snapshot) RETURNS xid8
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  WITH elsewhere AS (
    SELECT a.backend_xid::text AS xid
      FROM pg_catalog.pg_stat_activity AS a
     WHERE a.backend_xid IS NOT NULL
       AND a.datid IS DISTINCT FROM (SELECT d.oid FROM pg_catalog.pg_database AS d
                                      WHERE d.datname = pg_catalog.current_database())
    UNION ALL
    SELECT p.transaction::text FROM pg_catalog.pg_prepared_xacts AS p
     WHERE p.database <> pg_catalog.current_database()
  )
  SELECT coalesce(min(x), pg_catalog.pg_snapshot_xmax(p_snapshot))
    FROM pg_catalog.pg_snapshot_xip(p_snapshot) AS x
   WHERE (x::text::numeric % 4294967296)::text NOT IN (SELECT e.xid FROM elsewhere AS e)
$$;

-- Pull ----------------------------------------------------------------------------------------------
-- The caller's changes after p_cursor ('<xid>:<seq>', or null for everything), at most p_limit
-- log rows (1..1000, default 500) per page, in WatermelonDB's shape:
--   {"changes": {"tasks": {"created": [], "updated": [row, ...], "deleted": [id, ...]}, ...},
--    "cursor": "<xid>:<seq>", "has_more": bool, "timestamp": <server ms>}
-- Rows are the current state with the columns the caller may read ("created" stays empty: apply
-- updated with sendCreatedAsUpdated). A logged row the caller can no longer see is "deleted".
-- A record is sent with its last change: if it has a later log row (in a later page, or in a
-- transaction still above the horizon), it is held back until that row's page, so a state is
-- never sent early and then again.
CREATE FUNCTION public.sync_pull(p_cursor text DEFAULT NULL, p_limit integer DEFAULT 500) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = '' AS $$
DECLARE
  v_uid uuid := (SELECT auth.uid());
  -- Every transaction of this database older than this has ended: its log rows are final and
  -- visible to this (STABLE: one snapshot for the whole call) function.
  v_horizon xid8 := sync.safe_horizon(pg_current_snapshot());
  v_limit integer := least(greatest(coalesce(p_limit, 500), 1), 1000);
  v_xid xid8 := '0';
  v_seq bigint := 0;
  v_tables text[];
  v_ids uuid[];
  v_xids xid8[];
  v_seqs bigint[];
  v_n integer;
  v_has_more boolean;
  v_next text;
  v_changes jsonb := '{}';
  v_cols text;
  v_rows jsonb;
  v_found uuid[];
  v_later text[];
  t record;
BEGIN
  IF p_cursor IS NOT NULL AND p_cursor <> '' THEN
    IF p_cursor !~ '^[0-9]{1,18}:[0-9]{1,18}$' THEN
      RAISE EXCEPTION 'invalid sync cursor'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Pass the cursor the previous sync_pull returned, or null for a full sync.';
    END IF;
    v_xid := split_part(p_cursor, ':', 1)::xid8;
    v_seq := split_part(p_cursor, ':', 2)::bigint;
  END IF;

  SELECT array_agg(p.table_name ORDER BY p.xid, p.seq), array_agg(p.row_id ORDER BY p.xid, p.seq),
         array_agg(p.xid ORDER BY p.xid, p.seq), array_agg(p.seq ORDER BY p.xid, p.seq)
    INTO v_tables, v_ids, v_xids, v_seqs
    FROM (SELECT c.table_name, c.row_id, c.xid, c.seq
            FROM sync.changes AS c
           WHERE c.artist_id = v_uid
             AND (c.xid, c.seq) > (v_xid, v_seq)
             AND c.xid < v_horizon
           ORDER BY c.xid, c.seq
           LIMIT v_limit + 1) AS p;

  v_n := coalesce(cardinality(v_seqs), 0);
  v_has_more := v_n > v_limit;
  IF v_has_more THEN
    v_n := v_limit;
    v_next := v_xids[v_n]::text || ':' || v_seqs[v_n]::text;
  ELSIF v_horizon > v_xid THEN
    -- Everything before the horizon is delivered: the next pull starts there.
    v_next := v_horizon::text || ':0';
  ELSE
    v_next := v_xid::text || ':' || v_seq::text;
  END IF;

  IF v_n > 0 THEN
    SELECT array_agg(DISTINCT u.tbl || '/' || u.id) INTO v_later
      FROM unnest(v_tables[1:v_n], v_ids[1:v_n]) AS u(tbl, id)
     WHERE EXISTS (SELECT 1 FROM sync.changes AS c
                    WHERE c.table_name = u.tbl AND c.row_id = u.id AND c.artist_id = v_uid
                      AND (c.xid, c.seq) > (v_xids[v_n], v_seqs[v_n]));
  END IF;

  FOR t IN SELECT u.tbl, array_agg(DISTINCT u.id) AS ids
             FROM unnest(v_tables[1:v_n], v_ids[1:v_n]) AS u(tbl, id)
            WHERE (u.tbl || '/' || u.id) <> ALL (coalesce(v_later, '{}'))
            GROUP BY u.tbl ORDER BY u.tbl LOOP
    SELECT string_agg(format('x.%I', a.attname), ', ' ORDER BY a.attnum) INTO v_cols
      FROM pg_attribute AS a
     WHERE a.attrelid = format('public.%I', t.tbl)::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND has_column_privilege(a.attrelid, a.attnum, 'SELECT');
    IF v_cols IS NULL THEN
      CONTINUE;
    END IF;
    EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id), ''[]''), coalesce(array_agg(r.id), ''{}'') '
                   'FROM (SELECT %s FROM public.%I AS x WHERE x.id = ANY ($1)) AS r', v_cols, t.tbl)
      INTO v_rows, v_found USING t.ids;
    v_changes := v_changes || jsonb_build_object(t.tbl, jsonb_build_object(
      'created', '[]'::jsonb,
      'updated', v_rows,
      'deleted', to_jsonb(ARRAY(SELECT i FROM unnest(t.ids) AS i WHERE i <> ALL (v_found) ORDER BY i))));
  END LOOP;

  RETURN jsonb_build_object('changes', v_changes, 'cursor', v_next, 'has_more', v_has_more,
                            'timestamp', floor(extract(epoch FROM now()) * 1000)::bigint);
END
$$;

-- Push ----------------------------------------------------------------------------------------------
-- Applies a batch of client mutations in order, each on its own (one failing does not undo the
-- others), and answers one result per mutation:
--   in:  [{"id": <client mutation uuid>, "table": "tasks", "op": "insert"|"update"|"delete",
--          "row_id": <uuid>, "base_version": <version the edit was made on>, "values": {...}}, ...]
--   out: {"results": [{"id", "status": "applied"|"rejected", "reason", "version", "replayed"}]}
-- Conflict rule: a version check. update and delete name the version they were made on; if the
-- row has moved on, the mutation is rejected ("stale: ...") and the client re-bases on the row it
-- pulls. Columns the caller may not write (server-owned: updated_at, version, billing, points,
-- AI output, ...) reject the mutation ("server_owned: ..."); keys starting with "_" (WatermelonDB's
-- _status/_changed) are ignored. A mutation id seen before is answered from sync.mutations and
-- applied again never; two concurrent copies of one batch serialize on that record.
CREATE FUNCTION public.sync_push(p_mutations jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = '' AS $$
DECLARE
  v_uid uuid := (SELECT auth.uid());
  v_results jsonb := '[]';
  m jsonb;
  v_mid uuid;
  v_table text;
  v_op text;
  v_row uuid;
  v_base bigint;
  v_values jsonb;
  v_prior sync.mutations;
  v_status text;
  v_reason text;
  v_version bigint;
  v_current bigint;
  v_rel regclass;
  v_priv text;
  v_keys text[];
  v_bad text[];
  v_cols text;
  v_state text;
  v_msg text;
  v_constraint text;
BEGIN
  IF v_uid IS NULL THEN
    RAISE EXCEPTION 'sync_push needs a signed-in artist' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_mutations IS NULL OR jsonb_typeof(p_mutations) <> 'array' THEN
    RAISE EXCEPTION 'sync_push takes a JSON array of mutations'
      USING ERRCODE = 'invalid_parameter_value', HINT = 'See docs/sync.md for the mutation shape.';
  END IF;
  IF jsonb_array_length(p_mutations) > 500 THEN
    RAISE EXCEPTION 'sync_push takes at most 500 mutations per batch (got %)', jsonb_array_length(p_mutations)
      USING ERRCODE = 'program_limit_exceeded', HINT = 'Split the batch; each mutation id stays valid.';
  END IF;

  FOR m IN SELECT e.value FROM jsonb_array_elements(p_mutations) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
    v_status := 'rejected';
    v_reason := NULL;
    v_version := NULL;
    v_mid := NULL;
    v_row := NULL;
    v_base := NULL;
    IF jsonb_typeof(m) = 'object' AND (m ->> 'id') ~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$' THEN
      v_mid := (m ->> 'id')::uuid;
    END IF;
    IF v_mid IS NULL THEN
      v_results := v_results || jsonb_build_array(jsonb_build_object(
        'id', CASE WHEN jsonb_typeof(m) = 'object' THEN m -> 'id' END, 'status', 'rejected',
        'reason', 'invalid: a mutation needs an "id" that is a uuid (the client mutation id)'));
      CONTINUE;
    END IF;

    SELECT * INTO v_prior FROM sync.mutations AS sm WHERE sm.artist_id = v_uid AND sm.mutation_id = v_mid;
    IF FOUND THEN
      v_results := v_results || jsonb_build_array(jsonb_build_object('id', v_mid, 'status', v_prior.status,
        'reason', v_prior.reason, 'version', v_prior.version, 'replayed', true));
      CONTINUE;
    END IF;

    v_table := m ->> 'table';
    v_op := m ->> 'op';
    v_values := coalesce(m -> 'values', '{}'::jsonb);
    IF (m ->> 'row_id') ~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$' THEN
      v_row := (m ->> 'row_id')::uuid;
    END IF;
    IF (m ->> 'base_version') ~ '^[0-9]{1,18}$' THEN
      v_base := (m ->> 'base_version')::bigint;
    END IF;

    IF v_table IS NULL OR v_table NOT IN ('artists', 'platform_connections', 'metrics', 'insights', 'tasks',
                                          'achievements', 'content', 'notifications') THEN
      v_reason := format('invalid: %s is not a synced table', coalesce(v_table, 'null'));
    ELSIF v_op IS NULL OR v_op NOT IN ('insert', 'update', 'delete') THEN
      v_reason := 'invalid: op must be insert, update or delete';
    ELSIF v_row IS NULL THEN
      v_reason := 'invalid: row_id must be a uuid';
    ELSIF v_op <> 'insert' AND v_base IS NULL THEN
      v_reason := 'invalid: base_version (the version the edit was made on) is required for update and delete';
    ELSIF jsonb_typeof(v_values) <> 'object' THEN
      v_reason := 'invalid: values must be an object';
    ELSIF v_values ? 'id' AND (v_values ->> 'id') IS DISTINCT FROM v_row::text THEN
      v_reason := 'invalid: values.id differs from row_id';
    END IF;

    IF v_reason IS NULL THEN
      v_rel := format('public.%I', v_table)::regclass;
      v_priv := upper(v_op);
      SELECT coalesce(array_agg(k ORDER BY k), '{}') INTO v_keys
        FROM jsonb_object_keys(v_values) AS k WHERE k <> 'id' AND left(k, 1) <> '_';
      SELECT coalesce(array_agg(k ORDER BY k), '{}') INTO v_bad
        FROM unnest(v_keys) AS k
       WHERE NOT EXISTS (SELECT 1 FROM pg_attribute AS a
                          WHERE a.attrelid = v_rel AND a.attname = k AND a.attnum > 0 AND NOT a.attisdropped
                            AND has_column_privilege(v_rel, a.attnum, v_priv));
      IF NOT has_table_privilege(v_rel, v_priv)
         AND NOT (v_op <> 'delete' AND has_any_column_privilege(v_rel, v_priv)) THEN
        v_reason := format('not_permitted: %s of %s rows is not allowed from the app', v_op, v_table);
      ELSIF v_op = 'insert' AND NOT has_column_privilege(v_rel, 'id', 'INSERT') THEN
        v_reason := format('not_permitted: %s rows are created by the server', v_table);
      ELSIF cardinality(v_bad) > 0 THEN
        v_reason := format('server_owned: %s not writable by the app', array_to_string(v_bad, ', '));
      ELSIF v_op = 'update' AND cardinality(v_keys) = 0 THEN
        v_reason := 'invalid: an update needs at least one value';
      END IF;
    END IF;

    BEGIN
      IF v_reason IS NULL THEN
        SELECT string_agg(format('%I', k), ', ' ORDER BY k) INTO v_cols FROM unnest(v_keys) AS k;
        IF v_op = 'insert' THEN
          EXECUTE format('INSERT INTO public.%I AS t (id%s) SELECT $2%s FROM jsonb_populate_record(NULL::public.%I, $1) AS r '
                         'RETURNING t.version', v_table,
                         CASE WHEN v_cols IS NULL THEN '' ELSE ', ' || v_cols END,
                         CASE WHEN v_cols IS NULL THEN ''
                              ELSE ', ' || (SELECT string_agg(format('r.%I', k), ', ' ORDER BY k) FROM unnest(v_keys) AS k) END,
                         v_table)
            INTO v_version USING v_values, v_row;
        ELSIF v_op = 'update' THEN
          EXECUTE format('UPDATE public.%I AS t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::public.%I, $1) AS r) '
                         'WHERE t.id = $2 AND t.version = $3 RETURNING t.version', v_table, v_cols,
                         (SELECT string_agg(format('r.%I', k), ', ' ORDER BY k) FROM unnest(v_keys) AS k), v_table)
            INTO v_version USING v_values, v_row, v_base;
        ELSE
          EXECUTE format('DELETE FROM public.%I AS t WHERE t.id = $1 AND t.version = $2 RETURNING t.version', v_table)
            INTO v_version USING v_row, v_base;
        END IF;
        IF v_version IS NOT NULL THEN
          v_status := 'applied';
        ELSE
          EXECUTE format('SELECT t.version FROM public.%I AS t WHERE t.id = $1', v_table) INTO v_current USING v_row;
          v_reason := CASE WHEN v_current IS NULL
                           THEN format('gone: no %s row %s that you may change (deleted, or never synced)', v_table, v_row)
                           ELSE format('stale: the row is at version %s, this %s was made on version %s', v_current, v_op, v_base) END;
          v_version := v_current;
        END IF;
      END IF;
      INSERT INTO sync.mutations (mutation_id, table_name, row_id, op, status, reason, version)
        VALUES (v_mid, coalesce(v_table, ''), v_row, coalesce(v_op, ''), v_status, v_reason, v_version);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_constraint = CONSTRAINT_NAME;
      -- Deadlock, serialization failure, lock or statement timeout, cancel: nothing is wrong with
      -- the mutation. The whole call fails and the client retries the batch (idempotently).
      IF v_state IN ('40P01', '40001', '55P03', '57014') THEN
        RAISE;
      END IF;
      IF v_state = '23505' AND v_constraint = 'mutations_pkey' THEN
        -- The same mutation committed meanwhile (a concurrent retry): what it did was undone here.
        SELECT * INTO v_prior FROM sync.mutations AS sm WHERE sm.artist_id = v_uid AND sm.mutation_id = v_mid;
        v_results := v_results || jsonb_build_array(jsonb_build_object('id', v_mid, 'status', v_prior.status,
          'reason', v_prior.reason, 'version', v_prior.version, 'replayed', true));
        CONTINUE;
      END IF;
      v_status := 'rejected';
      v_version := NULL;
      v_reason := CASE WHEN v_state = '23505' THEN format('exists: %s', v_msg)
                       WHEN v_state = '42501' THEN format('not_permitted: %s', v_msg)
                       ELSE format('invalid: %s (SQLSTATE %s)', v_msg, v_state) END;
      INSERT INTO sync.mutations (mutation_id, table_name, row_id, op, status, reason, version)
        VALUES (v_mid, coalesce(v_table, ''), v_row, coalesce(v_op, ''), v_status, v_reason, NULL)
        ON CONFLICT (artist_id, mutation_id) DO NOTHING;
      IF NOT FOUND THEN
        SELECT * INTO v_prior FROM sync.mutations AS sm WHERE sm.artist_id = v_uid AND sm.mutation_id = v_mid;
        v_results := v_results || jsonb_build_array(jsonb_build_object('id', v_mid, 'status', v_prior.status,
          'reason', v_prior.reason, 'version', v_prior.version, 'replayed', true));
        CONTINUE;
      END IF;
    END;
    v_results := v_results || jsonb_build_array(jsonb_build_object('id', v_mid, 'status', v_status,
      'reason', v_reason, 'version', v_version, 'replayed', false));
  END LOOP;
  RETURN jsonb_build_object('results', v_results);
END
$$;

-- Compaction: a log row followed by a later row for the same record tells a client nothing the
-- later one does not (pulls send the record's current state), so it can go at any time without
-- a client missing anything. Tombstones (the last row of a deleted record) stay.
CREATE FUNCTION sync.compact_changes(p_batch integer DEFAULT 10000) RETURNS bigint
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_deleted bigint;
BEGIN
  DELETE FROM sync.changes AS c
   WHERE c.seq IN (SELECT o.seq FROM sync.changes AS o
                    WHERE EXISTS (SELECT 1 FROM sync.changes AS n
                                   WHERE n.table_name = o.table_name AND n.row_id = o.row_id AND n.seq > o.seq
                                     AND n.artist_id = o.artist_id)
                    LIMIT p_batch);
  GET DIAGNOSTICS v_deleted = ROW_COUNT;
  RETURN v_deleted;
END
$$;

REVOKE ALL ON FUNCTION sync.stamp_row(), sync.log_change(), sync.log_artist_change(),
  public.sync_pull(text, integer), public.sync_push(jsonb), sync.compact_changes(integer),
  sync.safe_horizon(pg_snapshot)
  FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.sync_pull(text, integer), public.sync_push(jsonb) TO authenticated;
GRANT EXECUTE ON FUNCTION sync.safe_horizon(pg_snapshot) TO authenticated;
