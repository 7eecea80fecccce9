-- The activity log moved to the analytics warehouse.
DROP TABLE public.artist_activity_log;
