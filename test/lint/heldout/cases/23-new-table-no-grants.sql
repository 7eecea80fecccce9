-- Release plans: RLS and policies, but no GRANT (Supabase no longer grants new tables to the
-- API roles, so the app gets 42501 "permission denied").
CREATE TABLE public.release_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  title text NOT NULL
);
CREATE INDEX idx_release_plans_artist ON public.release_plans (artist_id);
ALTER TABLE public.release_plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own release plans" ON public.release_plans
  FOR SELECT TO authenticated USING (artist_id = (SELECT auth.uid()));
