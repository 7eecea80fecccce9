-- The in-database rotation with a fixed search_path.
--
-- Supabase's Security Advisor (splinter's function_search_path_mutable) flagged the first
-- version of dreamdb.rotate_metrics_partitions: a procedure with a SET clause cannot COMMIT, so it
-- had none. This version pins search_path and so runs as one transaction: each step still runs in
-- its own savepoint under a short lock_timeout and is retried with backoff when a lock is not
-- granted; a step that still fails raises at the end, which rolls the run back and shows the job
-- as failed in cron.job_run_details (the next run, or `dreamdb partitions rotate`, starts over).
-- What the run holds until it ends is SHARE UPDATE EXCLUSIVE on metrics (attach), which never
-- blocks the app's reads and writes.
CREATE OR REPLACE PROCEDURE dreamdb.rotate_metrics_partitions(
  p_ahead int DEFAULT 2, p_first_year int DEFAULT NULL, p_now date DEFAULT NULL,
  p_lock_timeout_ms int DEFAULT 200, p_max_attempts int DEFAULT 12, p_parent text DEFAULT 'public.metrics')
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
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
  IF NOT pg_catalog.pg_try_advisory_xact_lock(v_key) THEN
    RAISE NOTICE 'dreamdb: another rotation of % is running; nothing done', p_parent;
    RETURN;
  END IF;
  SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(pl) ORDER BY pl.step), '[]'::jsonb) INTO v_steps
    FROM dreamdb.metrics_partition_plan(p_now, p_ahead, p_first_year, NULL, p_parent) pl;
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
        -- A block with an EXCEPTION clause is a savepoint: a failed attempt leaves no trace.
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
          v_changed := true;
          EXIT;
        END IF;
        IF v_outcome = 'failed' OR v_attempt >= p_max_attempts THEN
          v_failures := v_failures || pg_catalog.format('%s %s: %s', v_sub, v_step ->> 'table_name',
            CASE WHEN v_outcome = 'failed' THEN v_error ELSE pg_catalog.format('lock not available after %s attempts', v_attempt) END);
          RAISE WARNING 'dreamdb: % % failed: %', v_sub, v_step ->> 'table_name', v_failures[pg_catalog.array_length(v_failures, 1)];
          EXIT substeps;
        END IF;
        PERFORM pg_catalog.pg_sleep(least(5.0, 0.1 * 2 ^ (v_attempt - 1)) * (0.5 + pg_catalog.random() / 2));
      END LOOP;
    END LOOP;
  END LOOP;
  IF pg_catalog.cardinality(v_failures) > 0 THEN
    RAISE EXCEPTION 'dreamdb: rotation of % failed: %', p_parent, pg_catalog.array_to_string(v_failures, '; ')
      USING HINT = 'Run dreamdb partitions check, then dreamdb partitions rotate.';
  END IF;
  IF v_changed THEN
    -- Autovacuum never analyzes a partitioned parent.
    EXECUTE pg_catalog.format('ANALYZE %s', pg_catalog.to_regclass(p_parent));
  END IF;
END
$fn$;

REVOKE ALL ON PROCEDURE dreamdb.rotate_metrics_partitions(int, int, date, int, int, text)
  FROM PUBLIC, anon, authenticated, service_role;
