-- dreamdb bench: the database's work for one change in Postgres Changes, with the cost structure
-- of Supabase Realtime's per-change function (written for dreamdb, not copied): load the
-- subscriptions of the changed table; read each column's value through its type (one dynamic
-- cast per column) and the subscribers' role's column privileges; test every subscription's
-- filters against the row, each filter one dynamic comparison at the column's type; then for
-- each subscription whose filters match, set its role and claims and ask through RLS whether the
-- row is visible (one prepared statement by primary key). Returns the timings of the filter and
-- RLS parts and who sees the change. Created in pg_temp on the bench's slot connection, dropped
-- after, with its table of subscriptions.

CREATE TABLE pg_temp.dreamdb_bench_subscription (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id uuid NOT NULL,
  entity regclass NOT NULL,
  -- [{"column": "artist_id", "op": "eq", "value": "<uuid>"}]
  filters jsonb NOT NULL,
  claims jsonb NOT NULL,
  claims_role text NOT NULL
);
CREATE INDEX ON pg_temp.dreamdb_bench_subscription (entity);

CREATE FUNCTION pg_temp.dreamdb_bench_change(p_entity regclass, p_record jsonb, p_pk text[])
RETURNS TABLE (subscriptions integer, matched integer, visible uuid[], filter_ms float8, rls_ms float8)
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
  SELECT array_agg(x) INTO subs FROM pg_temp.dreamdb_bench_subscription x WHERE x.entity = p_entity;
  subs := coalesce(subs, '{}');
  SELECT jsonb_object_agg(a.attname, format_type(a.atttypid, a.atttypmod)) INTO types
    FROM pg_catalog.pg_attribute a WHERE a.attrelid = p_entity AND a.attnum > 0 AND NOT a.attisdropped;
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
  -- Every subscription's filters against the row.
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
  subscriptions := cardinality(subs);
  matched := cardinality(hits);
  RETURN NEXT;
END
$fn$;
