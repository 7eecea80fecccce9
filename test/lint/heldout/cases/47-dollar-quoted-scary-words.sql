-- A maintenance helper whose body and strings mention scary statements; nothing here runs them.
CREATE FUNCTION public.describe_retention_policy() RETURNS text
LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = '' AS $body$
BEGIN
  -- We never TRUNCATE public.metrics, never VACUUM FULL, never LOCK TABLE public.content,
  -- and never DROP TABLE public.artist_activity_log; CREATE INDEX ON public.metrics (followers);
  RETURN 'Retention: rows are kept; BEGIN; DROP TABLE public.tasks; COMMIT; is just text. '
      || $q$ALTER TABLE public.artists DROP COLUMN push_token;$q$;
END
$body$;
REVOKE ALL ON FUNCTION public.describe_retention_policy() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.describe_retention_policy() TO service_role;
