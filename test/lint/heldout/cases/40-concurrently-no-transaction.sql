-- dreamdb:no-transaction
-- Published grid: built without blocking writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_published
  ON public.content (artist_id, published_at DESC) WHERE published;
