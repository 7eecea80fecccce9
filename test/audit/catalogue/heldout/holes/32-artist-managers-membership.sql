-- Managers: a manager works for several artists and reads their metrics and insights.
-- The membership table is written by the web dashboard's invite flow.
CREATE TABLE public.artist_managers (
  manager_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'manager' CHECK (role IN ('manager', 'booker', 'label')),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (manager_id, artist_id)
);
CREATE INDEX idx_artist_managers_artist ON public.artist_managers (artist_id);
GRANT SELECT, INSERT, DELETE ON TABLE public.artist_managers TO authenticated;

CREATE POLICY "Managers see their artists' metrics" ON public.metrics
  FOR SELECT TO authenticated
  USING (artist_id IN (SELECT am.artist_id FROM public.artist_managers AS am
                        WHERE am.manager_id = (SELECT auth.uid())));
CREATE POLICY "Managers see their artists' insights" ON public.insights
  FOR SELECT TO authenticated
  USING (artist_id IN (SELECT am.artist_id FROM public.artist_managers AS am
                        WHERE am.manager_id = (SELECT auth.uid())));
