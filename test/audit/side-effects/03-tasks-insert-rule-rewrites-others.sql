-- Hole: a rewrite RULE on tasks: every INSERT also marks the other artists' insights as
-- superseded (the owner filter is the wrong way round). A rule's action runs with the table
-- owner's rights (here a superuser, so RLS does not apply): an artist adding its own task rewrites
-- other artists' insights.
-- expect: isolation.cross_tenant_side_effect public.insights
CREATE RULE tasks_insert_supersede_insights AS ON INSERT TO public.tasks
  DO ALSO UPDATE public.insights SET description = coalesce(description, '') || ' (superseded)'
     WHERE artist_id IS DISTINCT FROM (SELECT auth.uid());
