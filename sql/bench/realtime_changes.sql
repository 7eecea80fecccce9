-- dreamdb bench: the database's work for one change in Postgres Changes, with the cost structure
-- of Supabase Realtime's per-change function (written for dreamdb, not copied), except for how
-- the candidate subscriptions are found. Stock Realtime loads every subscription of the changed
-- table and tests each one's filters with dynamic SQL: per change, work in proportion to all
-- subscribers (~60 µs each; 1,000 subscribers on three tables cost ~100 ms a change). Here a
-- subscription's equality filter is also kept as an indexed key (column, value as the column's
-- type prints it), so a change looks up only the subscriptions whose key matches its row (plus
-- any without an equality filter): `artist_id=eq.X` is tested only for changes to X's rows.
-- Then, as Realtime does: each column's value read through its type (one dynamic cast per
-- column), the candidates' roles' column privileges, every candidate's filters tested at the
-- column's type (one dynamic comparison each), and for each one that matches, its role and claims
-- set and RLS asked whether the row is visible (one prepared statement by primary key). Returns
-- the timings of the filter and RLS parts and who sees the change. Created in pg_temp on the
-- bench's slot connection, dropped after, with its tables of subscriptions.

CREATE TABLE pg_temp.dreamdb_bench_subscription (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id uuid NOT NULL,
  entity regclass NOT NULL,
  -- [{"column": "artist_id", "op": "eq", "value": "<uuid>"}]
  filters jsonb NOT NULL,
  claims jsonb NOT NULL,
  claims_role text NOT NULL,
  -- The first equality filter, its value as the column's type prints it (set by
  -- dreamdb_bench_index_filters); null: no equality filter, tested for every change.
  eq_column text,
  eq_value text
);
CREATE INDEX ON pg_temp.dreamdb_bench_subscription (entity, eq_column, eq_value);

-- The columns of each table that some subscription filters by equality (a handful).
CREATE TABLE pg_temp.dreamdb_bench_subscription_key (
  entity regclass NOT NULL,
  eq_column text NOT NULL,
  PRIMARY KEY (entity, eq_column)
);

-- After subscriptions are added: their equality keys, normalised through the column's type once
-- per table and column (so '…ABC' and '…abc' find the same uuid), and the key columns listed.
CREATE FUNCTION pg_temp.dreamdb_bench_index_filters() RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  k record;
BEGIN
  UPDATE pg_temp.dreamdb_bench_subscription x
     SET (eq_column, eq_value) = (SELECT e ->> 'column', e ->> 'value' FROM jsonb_array_elements(x.filters) e WHERE e ->> 'op' = 'eq' LIMIT 1)
   WHERE x.eq_column IS NULL;
  TRUNCATE pg_temp.dreamdb_bench_subscription_key;
  INSERT INTO pg_temp.dreamdb_bench_subscription_key
    SELECT DISTINCT x.entity, x.eq_column FROM pg_temp.dreamdb_bench_subscription x WHERE x.eq_column IS NOT NULL;
  FOR k IN
    SELECT sk.entity, sk.eq_column, format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_temp.dreamdb_bench_subscription_key sk
      JOIN pg_catalog.pg_attribute a ON a.attrelid = sk.entity AND a.attname = sk.eq_column
  LOOP
    EXECUTE format('UPDATE pg_temp.dreamdb_bench_subscription SET eq_value = (eq_value::%s)::text WHERE entity = $1 AND eq_column = $2', k.type)
      USING k.entity, k.eq_column;
  END LOOP;
  ANALYZE pg_temp.dreamdb_bench_subscription;
END
$fn$;

CREATE FUNCTION pg_temp.dreamdb_bench_change(p_entity regclass, p_record jsonb, p_pk text[])
RETURNS TABLE (candidates integer, matched integer, visible uuid[], filter_ms float8, rls_ms float8)
LANGUAGE plpgsql AS $fn$
DECLARE
  subs pg_temp.dreamdb_bench_subscription[];
  s pg_temp.dreamdb_bench_subscription;
  hits pg_temp.dreamdb_bench_subscription[] := '{}';
  types jsonb;
  cast_values jsonb := '{}';
  v jsonb;
  col record;
  f jsonb;
  ok boolean;
  seen boolean;
  role_name text;
  selectable integer;
  started timestamptz := clock_timestamp();
  mid timestamptz;
  stmt text;
BEGIN
  SELECT jsonb_object_agg(a.attname, format_type(a.atttypid, a.atttypmod)) INTO types
    FROM pg_catalog.pg_attribute a WHERE a.attrelid = p_entity AND a.attnum > 0 AND NOT a.attisdropped;
  -- The candidates: subscriptions whose equality key is this row's value (the record's text is
  -- the column type's output, as the keys are), and those without one.
  SELECT array_agg(x) INTO subs FROM (
    SELECT x.* FROM pg_temp.dreamdb_bench_subscription_key k
      JOIN pg_temp.dreamdb_bench_subscription x
        ON x.entity = k.entity AND x.eq_column = k.eq_column AND x.eq_value = p_record ->> k.eq_column
     WHERE k.entity = p_entity
    UNION ALL
    SELECT x.* FROM pg_temp.dreamdb_bench_subscription x WHERE x.entity = p_entity AND x.eq_column IS NULL
  ) x;
  subs := coalesce(subs, '{}');
  -- Each column's value read through its type.
  FOR col IN SELECT key, value FROM jsonb_each_text(p_record) LOOP
    EXECUTE format('SELECT to_jsonb(%L::%s)', col.value, types ->> col.key) INTO v;
    cast_values := cast_values || jsonb_build_object(col.key, v);
  END LOOP;
  -- Column privileges, once per distinct role of the subscribers.
  FOR role_name IN SELECT DISTINCT x.claims_role FROM unnest(subs) x LOOP
    SELECT count(*) INTO selectable FROM jsonb_object_keys(p_record) k
      WHERE pg_catalog.has_column_privilege(role_name, p_entity, k, 'SELECT');
  END LOOP;
  -- Every candidate's filters against the row.
  FOREACH s IN ARRAY subs LOOP
    ok := true;
    FOR f IN SELECT * FROM jsonb_array_elements(s.filters) LOOP
      EXECUTE format('SELECT %L::%s = %L::%s', p_record ->> (f ->> 'column'), types ->> (f ->> 'column'), f ->> 'value', types ->> (f ->> 'column')) INTO ok;
      EXIT WHEN NOT coalesce(ok, false);
    END LOOP;
    IF coalesce(ok, false) THEN
      hits := hits || s;
    END IF;
  END LOOP;
  mid := clock_timestamp();
  filter_ms := extract(epoch FROM mid - started) * 1000;
  visible := '{}';
  IF cardinality(hits) > 0 THEN
    SELECT string_agg(format('%I = %L', k, p_record ->> k), ' AND ') INTO stmt FROM unnest(p_pk) k;
    IF EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = 'dreamdb_bench_rls') THEN
      DEALLOCATE dreamdb_bench_rls;
    END IF;
    EXECUTE format('PREPARE dreamdb_bench_rls AS SELECT EXISTS (SELECT 1 FROM %s WHERE %s)', p_entity, stmt);
    FOREACH s IN ARRAY hits LOOP
      PERFORM set_config('role', s.claims_role, true), set_config('request.jwt.claims', s.claims::text, true);
      EXECUTE 'EXECUTE dreamdb_bench_rls' INTO seen;
      PERFORM set_config('role', NULL, true);
      IF seen THEN
        visible := visible || s.subscription_id;
      END IF;
    END LOOP;
    DEALLOCATE dreamdb_bench_rls;
  END IF;
  rls_ms := extract(epoch FROM clock_timestamp() - mid) * 1000;
  candidates := cardinality(subs);
  matched := cardinality(hits);
  RETURN NEXT;
END
$fn$;
