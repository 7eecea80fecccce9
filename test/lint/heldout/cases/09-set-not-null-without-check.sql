-- Every artist has been active at least once.
ALTER TABLE public.artists ALTER COLUMN last_active SET NOT NULL;
