-- A CHECK exists but is NOT VALID, so SET NOT NULL still scans the table under ACCESS EXCLUSIVE.
ALTER TABLE public.artists ADD CONSTRAINT artists_last_active_nn CHECK (last_active IS NOT NULL) NOT VALID;
ALTER TABLE public.artists ALTER COLUMN last_active SET NOT NULL;
