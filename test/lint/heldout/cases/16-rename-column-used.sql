ALTER TABLE public.tasks RENAME COLUMN due_date TO due_on;
