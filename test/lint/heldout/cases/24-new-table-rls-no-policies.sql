-- Press kits: RLS on, grants given, policies forgotten (every client read returns nothing).
CREATE TABLE public.press_kits (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  headline text NOT NULL
);
CREATE INDEX idx_press_kits_artist ON public.press_kits (artist_id);
ALTER TABLE public.press_kits ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON TABLE public.press_kits TO authenticated;
