CREATE VIEW public.task_overview WITH (security_invoker = true) AS
  SELECT t.id, t.artist_id, t.title, t.due_date, i.title AS insight_title
    FROM public.tasks AS t
    LEFT JOIN public.insights AS i ON i.id = t.parent_insight_id;
REVOKE ALL ON public.task_overview FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.task_overview TO authenticated;
