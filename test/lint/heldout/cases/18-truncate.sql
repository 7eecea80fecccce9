-- Old analytics are worthless; start the log afresh.
TRUNCATE public.artist_activity_log;
