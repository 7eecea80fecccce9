-- Step 2 of 3: validate the CHECK (SHARE UPDATE EXCLUSIVE; no blocking).
ALTER TABLE public.artists VALIDATE CONSTRAINT artists_last_active_not_null;
