-- Physically order tasks by artist for the dashboard.
CLUSTER public.tasks USING idx_tasks_artist_created;
