-- Faster "published" grid and due-date reminders.
CREATE INDEX idx_content_published ON public.content (artist_id, published_at DESC) WHERE published;
CREATE INDEX idx_tasks_due_date ON public.tasks (due_date) WHERE due_date IS NOT NULL AND NOT completed;
CREATE INDEX idx_metrics_date_brin ON public.metrics USING brin (metric_date);
