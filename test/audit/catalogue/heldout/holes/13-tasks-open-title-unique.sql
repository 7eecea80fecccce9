-- Stop the app creating the same open task twice on a double tap.
-- (Meant to be per artist.)
CREATE UNIQUE INDEX tasks_open_title_unique ON public.tasks (lower(title)) WHERE NOT completed;
