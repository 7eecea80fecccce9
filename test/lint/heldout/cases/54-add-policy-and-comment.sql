-- Narrow what artists see (restrictive policy) and document a column: catalog-only changes.
CREATE POLICY "Hide long-dismissed insights" ON public.insights
  AS RESTRICTIVE FOR SELECT TO authenticated
  USING (status <> 'dismissed' OR dismissed_at IS NULL OR dismissed_at > now() - interval '1 year');
COMMENT ON COLUMN public.tasks.points_reward IS 'Server-owned: set by the task generator.';
