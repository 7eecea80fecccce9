-- dreamdb:no-transaction
-- Step 1 of 2: build the unique index without blocking writes.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS content_file_url_unique_full ON public.content (file_url);
