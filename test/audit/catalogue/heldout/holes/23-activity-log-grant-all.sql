-- The analytics team needed the app to "just work" with the activity log again.
GRANT ALL ON TABLE public.artist_activity_log TO authenticated;
GRANT USAGE ON SEQUENCE public.artist_activity_log_id_seq TO authenticated;
