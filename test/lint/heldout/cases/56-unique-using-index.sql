-- Step 2 of 2 (after 55): promote the index to a constraint; no scan, a brief lock only.
ALTER TABLE public.content ADD CONSTRAINT content_file_url_key UNIQUE USING INDEX content_file_url_unique_full;
