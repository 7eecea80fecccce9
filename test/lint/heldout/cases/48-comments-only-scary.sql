-- Rejected alternatives, kept for the record:
--   CREATE INDEX idx_metrics_followers ON public.metrics (followers);
--   TRUNCATE public.artist_activity_log;
/*
   ALTER TABLE public.tasks ALTER COLUMN estimated_time TYPE bigint;
   BEGIN; LOCK TABLE public.content IN ACCESS EXCLUSIVE MODE; COMMIT;
*/
COMMENT ON TABLE public.artist_activity_log IS 'Append-only; never TRUNCATE or DROP (see the retention doc).';
