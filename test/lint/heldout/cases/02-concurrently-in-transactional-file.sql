-- Reminder queue: open tasks by due date. (No no-transaction header: runs in a transaction.)
CREATE INDEX CONCURRENTLY idx_tasks_due_open ON public.tasks (due_date) WHERE NOT completed;
