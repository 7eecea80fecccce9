-- When did we first see this task (existing rows get the deploy time; that is fine here).
ALTER TABLE public.tasks ADD COLUMN first_seen_at timestamptz NOT NULL DEFAULT now();
