-- Hole: a SECURITY DEFINER RPC granted to authenticated that creates a new metrics partition (year
-- 2040, which no shipped partition covers) and seeds a placeholder metric row in it for EVERY
-- artist: other artists get new rows in public.metrics, all of them in a table that did not exist
-- before the call.
-- expect: function.cross_tenant_write public.seed_forecast_metrics()
CREATE FUNCTION public.seed_forecast_metrics() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  CREATE TABLE IF NOT EXISTS public.metrics_y2040 PARTITION OF public.metrics
    FOR VALUES FROM ('2040-01-01') TO ('2041-01-01');
  INSERT INTO public.metrics (artist_id, platform, metric_date, followers)
  SELECT a.id, 'spotify', DATE '2040-01-01', 1 FROM public.artists AS a
  ON CONFLICT DO NOTHING;
END
$$;
REVOKE ALL ON FUNCTION public.seed_forecast_metrics() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.seed_forecast_metrics() TO authenticated;
