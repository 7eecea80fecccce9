-- One activity of a kind per artist and instant.
ALTER TABLE public.artist_activity_log
  ADD CONSTRAINT artist_activity_log_once UNIQUE (artist_id, activity_type, occurred_at);
