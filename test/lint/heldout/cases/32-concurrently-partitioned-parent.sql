-- dreamdb:no-transaction
-- Followers leaderboard.
CREATE INDEX CONCURRENTLY idx_metrics_followers ON public.metrics (followers DESC);
