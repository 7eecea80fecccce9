-- Task screen view; security_invoker so the caller's RLS on tasks and insights applies.
CREATE VIEW public.task_overview WITH (security_invoker = true) AS
  SELECT t.id, t.artist_id, t.title, t.category, t.due_date, t.completed, t.points_reward,
         i.title AS insight_title
    FROM public.tasks AS t
    LEFT JOIN public.insights AS i ON i.id = t.parent_insight_id;
REVOKE ALL ON public.task_overview FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.task_overview TO authenticated, service_role;
