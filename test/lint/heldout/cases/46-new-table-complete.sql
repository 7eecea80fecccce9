-- Release plans: a new exposed table with everything it needs in the same file.
CREATE TABLE public.release_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (char_length(title) <= 200),
  target_date date,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Index on a table created in this file: nothing to block, no CONCURRENTLY needed.
CREATE INDEX idx_release_plans_artist ON public.release_plans (artist_id, target_date);
-- And a constraint added later in the same file to the new (empty) table.
ALTER TABLE public.release_plans ADD CONSTRAINT release_plans_title_not_blank CHECK (btrim(title) <> '');
ALTER TABLE public.release_plans ADD COLUMN share_id uuid NOT NULL DEFAULT gen_random_uuid();

ALTER TABLE public.release_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.release_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY "Own release plans: read" ON public.release_plans
  FOR SELECT TO authenticated USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Own release plans: add" ON public.release_plans
  FOR INSERT TO authenticated WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Own release plans: edit" ON public.release_plans
  FOR UPDATE TO authenticated USING (artist_id = (SELECT auth.uid())) WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Own release plans: delete" ON public.release_plans
  FOR DELETE TO authenticated USING (artist_id = (SELECT auth.uid()));
REVOKE ALL ON TABLE public.release_plans FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE ON TABLE public.release_plans TO authenticated;
GRANT INSERT (artist_id, title, target_date), UPDATE (title, target_date) ON TABLE public.release_plans TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.release_plans TO service_role;
