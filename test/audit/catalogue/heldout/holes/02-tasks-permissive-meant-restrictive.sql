-- Hide tasks completed more than 30 days ago from the app's lists (they clutter realtime sync).
-- Intended as an extra filter on top of "Artists see own tasks".
CREATE POLICY "Only open or recently completed tasks" ON public.tasks
  FOR SELECT TO authenticated
  USING (completed = false OR completed_at > now() - interval '30 days');
