-- Far-future partition for the label's projections import, created by hand (not by rotation),
-- and granted like the parent so the import check script can read it.
CREATE TABLE public.metrics_y2040 PARTITION OF public.metrics
  FOR VALUES FROM ('2040-01-01') TO ('2041-01-01');
GRANT SELECT ON TABLE public.metrics_y2040 TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.metrics_y2040 TO service_role;
