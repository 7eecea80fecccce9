-- Step 1 of 3 towards artists.last_active NOT NULL: a CHECK that is not validated yet.
ALTER TABLE public.artists
  ADD CONSTRAINT artists_last_active_not_null CHECK (last_active IS NOT NULL) NOT VALID;
