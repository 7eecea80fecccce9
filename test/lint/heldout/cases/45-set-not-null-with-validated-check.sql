-- Step 3 of 3: SET NOT NULL proves itself from the validated CHECK (no scan), then the CHECK goes.
ALTER TABLE public.artists ALTER COLUMN last_active SET NOT NULL;
ALTER TABLE public.artists DROP CONSTRAINT artists_last_active_not_null;
