-- Planted: a partition reachable without RLS, a published table without RLS, and partitions
-- published under their own names.
-- expect: isolation.cross_tenant_read public.metrics_y{year}
-- expect: rls_disabled_in_public public.metrics_y{year}
-- expect: partition_exposed public.metrics_y{year}
-- expect: partition_rls_disabled public.metrics_y{year}
-- expect: realtime.rls_disabled public.fan_messages
-- expect: realtime.rls_disabled public.metrics_y{year}
-- expect: realtime.partition_without_policies public.metrics_y{next}
-- expect: isolation.cross_tenant_read public.fan_messages
-- expect: rls_disabled_in_public public.fan_messages

DO $$
BEGIN
  EXECUTE format('ALTER TABLE public.metrics_y%s DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY', extract(year FROM current_date)::int);
  EXECUTE format('GRANT SELECT ON public.metrics_y%s TO authenticated', extract(year FROM current_date)::int);
END $$;

CREATE TABLE public.fan_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  body text NOT NULL
);
CREATE INDEX ON public.fan_messages (artist_id);
GRANT SELECT, INSERT ON public.fan_messages TO authenticated;
ALTER PUBLICATION supabase_realtime ADD TABLE public.fan_messages;
ALTER PUBLICATION supabase_realtime SET (publish_via_partition_root = false);
