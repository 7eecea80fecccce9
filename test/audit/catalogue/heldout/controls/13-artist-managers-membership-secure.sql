-- Managers (membership): a manager works for several artists. Memberships are created by the
-- server after both sides confirm; clients read their own memberships only.
CREATE TABLE public.artist_managers (
  manager_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'manager' CHECK (role IN ('manager', 'booker', 'label')),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (manager_id, artist_id)
);
CREATE INDEX idx_artist_managers_artist ON public.artist_managers (artist_id);

ALTER TABLE public.artist_managers ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.artist_managers FORCE ROW LEVEL SECURITY;
CREATE POLICY "See own memberships" ON public.artist_managers
  FOR SELECT TO authenticated
  USING (manager_id = (SELECT auth.uid()) OR artist_id = (SELECT auth.uid()));

REVOKE ALL ON TABLE public.artist_managers FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE public.artist_managers TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.artist_managers TO service_role;

CREATE POLICY "Managers see their artists' metrics" ON public.metrics
  FOR SELECT TO authenticated
  USING (artist_id IN (SELECT am.artist_id FROM public.artist_managers AS am
                        WHERE am.manager_id = (SELECT auth.uid())));
