-- Weekly rollup for the charts (refreshed nightly by the server).
CREATE MATERIALIZED VIEW public.metrics_weekly AS
  SELECT artist_id, platform, date_trunc('week', metric_date)::date AS week,
         max(followers) AS followers, sum(total_views) AS views
    FROM public.metrics
   GROUP BY artist_id, platform, date_trunc('week', metric_date);
CREATE UNIQUE INDEX metrics_weekly_key ON public.metrics_weekly (artist_id, platform, week);
GRANT SELECT ON public.metrics_weekly TO authenticated;
