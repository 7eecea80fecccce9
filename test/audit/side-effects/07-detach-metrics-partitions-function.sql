-- Hole: a SECURITY DEFINER RPC granted to authenticated that "archives" metrics by detaching every
-- partition of public.metrics: all artists' metric rows disappear from the table the app reads.
-- expect: function.cross_tenant_write public.archive_metrics()
CREATE FUNCTION public.archive_metrics() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN SELECT i.inhrelid::regclass AS part FROM pg_catalog.pg_inherits AS i
            WHERE i.inhparent = 'public.metrics'::regclass LOOP
    EXECUTE pg_catalog.format('ALTER TABLE public.metrics DETACH PARTITION %s', r.part);
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION public.archive_metrics() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.archive_metrics() TO authenticated;
