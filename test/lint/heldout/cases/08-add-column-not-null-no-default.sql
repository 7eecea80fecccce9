-- Every upload must carry a licence from now on.
ALTER TABLE public.content ADD COLUMN license text NOT NULL;
