-- Press kits (EPKs). Policies written, grants written; ENABLE ROW LEVEL SECURITY forgotten.
CREATE TABLE public.press_kits (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  headline text NOT NULL,
  booking_email text,
  fee_range text,
  rider jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_press_kits_artist ON public.press_kits (artist_id);

CREATE POLICY "Own press kit" ON public.press_kits
  FOR SELECT TO authenticated USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Add own press kit" ON public.press_kits
  FOR INSERT TO authenticated WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Edit own press kit" ON public.press_kits
  FOR UPDATE TO authenticated USING (artist_id = (SELECT auth.uid())) WITH CHECK (artist_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE ON TABLE public.press_kits TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.press_kits TO service_role;
