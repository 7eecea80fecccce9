-- One query for the task screen: tasks with the title of the insight they came from.
CREATE VIEW public.task_overview AS
  SELECT t.id, t.artist_id, t.title, t.category, t.due_date, t.completed, t.points_reward,
         i.title AS insight_title
    FROM public.tasks AS t
    LEFT JOIN public.insights AS i ON i.id = t.parent_insight_id;

GRANT SELECT ON public.task_overview TO authenticated;
