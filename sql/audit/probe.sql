-- dreamdb audit-rls: one probe in one round trip. Four functions created in pg_temp inside the audit's outer
-- transaction (rolled back with it, so nothing stays behind). The client sends the probe as JSON:
--   role, claims, method, headers   who the request is from, as PostgREST would set them
--   sql, params, returns            the probe ('count': rows affected; 'rows': its rows as JSON)
--   prepare                         steps run as the audit's role first; if one fails, all of
--                                   them are undone and the probe runs without them
--   after                           steps run as the audit's role after a probe that succeeded,
--                                   before everything is rolled back ('ifWritten': only when the
--                                   probe changed rows; 'ifPrepared': only when prepare held)
--   marks                           take the digest's marks (sql/audit/marks.sql) just before the
--                                   probe, so its after digest hashes only the tables that moved
-- A step is {name, sql, params, returns, replicaFallback}: replicaFallback retries a step that
-- failed with session_replication_role = replica (a DELETE that foreign keys would refuse).
-- The answer: {ok, count | rows, code, message, detail, where, prepared: {name: result} | null,
-- after: {name: result | null}}. Whatever the probe or a step did is rolled back before it returns:
-- the block around it always ends in the error it catches itself.
-- Parameters travel as text and the statements cast them ($1::uuid[]), at most ten per statement.
-- The probe's own statement_timeout is the caller's (set just before the call).

create function pg_temp.dreamdb_audit_step(step jsonb) returns jsonb
language plpgsql as $step$
declare
  p text[] := array(select jsonb_array_elements_text(coalesce(step->'params', '[]')));
  n bigint;
  rows jsonb;
begin
  if step->>'returns' = 'count' then
    execute step->>'sql' using p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10];
    get diagnostics n = row_count;
    return to_jsonb(n);
  end if;
  execute 'select coalesce(jsonb_agg(to_jsonb(dreamdb_row)), ''[]'') from (' || (step->>'sql') || ') dreamdb_row'
    into rows using p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10];
  return rows;
end
$step$;

create function pg_temp.dreamdb_audit_prepared(step jsonb) returns jsonb
language plpgsql as $prepared$
declare
  result jsonb;
begin
  if not coalesce((step->>'replicaFallback')::boolean, false) then
    return pg_temp.dreamdb_audit_step(step);
  end if;
  begin
    return pg_temp.dreamdb_audit_step(step);
  exception when others then
    -- Rows elsewhere reference them without ON DELETE: without firing the foreign keys (superuser only).
    perform set_config('session_replication_role', 'replica', true);
  end;
  result := pg_temp.dreamdb_audit_step(step);
  perform set_config('session_replication_role', 'origin', true);
  return result;
end
$prepared$;

create function pg_temp.dreamdb_audit_error(code text, message text, detail text, context text) returns jsonb
language sql immutable as $error$
  select jsonb_build_object('ok', false, 'code', code, 'message', message, 'detail', nullif(detail, ''), 'where', context)
$error$;

create function pg_temp.dreamdb_audit_probe(spec jsonb) returns text
language plpgsql as $probe$
declare
  answer jsonb;
  prepared jsonb := '{}';
  after jsonb := '{}';
  step jsonb;
  written boolean := true;
  e_code text;
  e_message text;
  e_detail text;
  e_where text;
begin
  begin
    if jsonb_array_length(coalesce(spec->'prepare', '[]')) > 0 then
      begin
        for step in select value from jsonb_array_elements(spec->'prepare') loop
          prepared := prepared || jsonb_build_object(step->>'name', pg_temp.dreamdb_audit_prepared(step));
        end loop;
      exception when others then
        prepared := 'null';
      end;
    end if;
    if coalesce((spec->>'marks')::boolean, false) then
      perform set_config('dreamdb.audit_marks', pg_temp.dreamdb_audit_marks()::text, true);
    end if;
    perform set_config('role', spec->>'role', true),
      set_config('request.jwt.claims', spec->>'claims', true),
      set_config('request.method', spec->>'method', true),
      set_config('request.path', '/', true),
      set_config('request.headers', spec->>'headers', true);
    begin
      answer := jsonb_build_object('ok', true, spec->>'returns', pg_temp.dreamdb_audit_step(spec));
      written := spec->>'returns' <> 'count' or (answer->>'count')::bigint > 0;
    exception when others or query_canceled then
      get stacked diagnostics e_code = returned_sqlstate, e_message = message_text,
        e_detail = pg_exception_detail, e_where = pg_exception_context;
      answer := pg_temp.dreamdb_audit_error(e_code, e_message, e_detail, e_where);
    end;
    perform set_config('role', 'none', true), set_config('request.jwt.claims', '', true),
      set_config('request.method', '', true), set_config('request.path', '', true),
      set_config('request.headers', '', true);
    if (answer->>'ok')::boolean then
      begin
        for step in select value from jsonb_array_elements(coalesce(spec->'after', '[]')) loop
          if (coalesce((step->>'ifWritten')::boolean, false) and not written)
            or (coalesce((step->>'ifPrepared')::boolean, false) and prepared = 'null') then
            after := after || jsonb_build_object(step->>'name', null);
          else
            after := after || jsonb_build_object(step->>'name', pg_temp.dreamdb_audit_step(step));
          end if;
        end loop;
      exception when others or query_canceled then
        get stacked diagnostics e_code = returned_sqlstate, e_message = message_text,
          e_detail = pg_exception_detail, e_where = pg_exception_context;
        answer := pg_temp.dreamdb_audit_error(e_code, e_message, e_detail, e_where);
      end;
    end if;
    answer := answer || jsonb_build_object('prepared', prepared, 'after', after);
    raise exception using errcode = 'DRRBK', message = 'dreamdb: roll the probe back';
  exception when sqlstate 'DRRBK' then
    null;
  end;
  return answer::text;
end
$probe$;
