-- Index for the reminders job.
SET lock_timeout = '2s';
-- dreamdb:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tasks_scheduled ON public.tasks (scheduled_for);
