-- Product: "show artists their archived (dismissed > 90 days) insights in the History tab".
-- A second SELECT policy next to "Artists see own insights".
CREATE POLICY "Artists see archived insights" ON public.insights
  FOR SELECT TO authenticated
  USING (
    artist_id = (SELECT auth.uid()) AND status = 'dismissed'
    OR dismissed_at < now() - interval '90 days'
  );
