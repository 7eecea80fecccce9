-- Track when each activity row was ingested.
ALTER TABLE public.artist_activity_log
  ADD COLUMN ingested_at timestamptz NOT NULL DEFAULT clock_timestamp();
