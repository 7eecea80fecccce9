-- Planted: auth.uid() per row, a policy column without an index, and a mobile query over budget.
-- config: {"latency": {"budgets": {"unread_insights": 0}, "iterations": 3, "seedArtists": 40, "seedDays": 40}}
-- expect: auth_rls_initplan public.tasks
-- expect: policy_column_unindexed public.notifications
-- expect: latency.budget unread_insights
-- cause: unread_insights sequential scan on insights

DROP POLICY "Artists see own tasks" ON public.tasks;
CREATE POLICY "Artists see own tasks" ON public.tasks FOR SELECT TO authenticated USING (artist_id = auth.uid());

DROP INDEX public.idx_notifications_artist_created;
DROP INDEX public.idx_notifications_unread;

DROP INDEX public.idx_insights_artist_created;
DROP INDEX public.idx_insights_unread;
DROP INDEX public.idx_insights_priority;
DROP POLICY "Artists see own insights" ON public.insights;
CREATE POLICY "Artists see own insights" ON public.insights FOR SELECT TO authenticated USING (artist_id = auth.uid());
