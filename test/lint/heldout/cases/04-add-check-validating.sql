-- Views are counted per platform; nothing real reaches ten trillion.
ALTER TABLE public.metrics ADD CONSTRAINT metrics_total_views_sane CHECK (total_views < 10000000000000);
