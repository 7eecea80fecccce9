-- dreamdb bench: one request type's statement timed inside the server, p_iterations calls (after
-- 20 unmeasured ones), cycling over the subjects: role and claims set per call as PostgREST sets
-- them, the statement run from a prepared statement (parameter types inferred, as the driver's
-- are), clock_timestamp() around each EXECUTE. Returns the durations in ms. Created in pg_temp
-- by the bench and dropped after; the caller's transaction is rolled back (writes leave nothing).
CREATE OR REPLACE FUNCTION pg_temp.dreamdb_bench_time(p_sql text, p_nargs integer, p_args jsonb, p_claims text[], p_iterations integer)
RETURNS float8[] LANGUAGE plpgsql AS $fn$
DECLARE
  durations float8[] := '{}';
  started timestamptz;
  n integer := array_length(p_claims, 1);
  k integer;
  call text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = 'dreamdb_bench_q') THEN
    DEALLOCATE dreamdb_bench_q;
  END IF;
  EXECUTE 'PREPARE dreamdb_bench_q AS ' || p_sql;
  FOR i IN -20 .. p_iterations - 1 LOOP
    k := (i + 20) % n;
    call := 'EXECUTE dreamdb_bench_q';
    IF p_nargs > 0 THEN
      call := call || '(' || (SELECT string_agg(quote_nullable(x), ', ' ORDER BY o)
                               FROM jsonb_array_elements_text(p_args -> k) WITH ORDINALITY AS e(x, o)) || ')';
    END IF;
    PERFORM set_config('role', 'authenticated', true), set_config('request.jwt.claims', p_claims[k + 1], true);
    started := clock_timestamp();
    EXECUTE call;
    IF i >= 0 THEN
      durations := durations || (extract(epoch FROM clock_timestamp() - started) * 1000)::float8;
    END IF;
    PERFORM set_config('role', NULL, true);
  END LOOP;
  DEALLOCATE dreamdb_bench_q;
  RETURN durations;
END
$fn$;
