-- Release planning: a well-secured new tenant table.
CREATE TABLE public.release_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  release_type text NOT NULL DEFAULT 'single' CHECK (release_type IN ('single', 'ep', 'album')),
  target_date date,
  notes text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_release_plans_artist ON public.release_plans (artist_id, target_date);

ALTER TABLE public.release_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.release_plans FORCE ROW LEVEL SECURITY;

CREATE POLICY "Artists see own release plans" ON public.release_plans
  FOR SELECT TO authenticated USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists add own release plans" ON public.release_plans
  FOR INSERT TO authenticated WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists edit own release plans" ON public.release_plans
  FOR UPDATE TO authenticated
  USING (artist_id = (SELECT auth.uid())) WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists delete own release plans" ON public.release_plans
  FOR DELETE TO authenticated USING (artist_id = (SELECT auth.uid()));

REVOKE ALL ON TABLE public.release_plans FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT, DELETE ON TABLE public.release_plans TO authenticated;
GRANT INSERT (artist_id, title, release_type, target_date, notes) ON TABLE public.release_plans TO authenticated;
GRANT UPDATE (title, release_type, target_date, notes) ON TABLE public.release_plans TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.release_plans TO service_role;
