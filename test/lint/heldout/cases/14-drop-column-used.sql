-- Push tokens move to a devices table; drop the old column.
ALTER TABLE public.artists DROP COLUMN push_token;
