-- Hide insights dismissed more than a year ago (a restrictive policy only narrows access).
CREATE POLICY "Hide long-dismissed insights" ON public.insights
  AS RESTRICTIVE
  FOR SELECT TO authenticated
  USING (status <> 'dismissed' OR dismissed_at IS NULL OR dismissed_at > now() - interval '1 year');
