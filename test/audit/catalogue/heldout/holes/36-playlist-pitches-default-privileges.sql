-- Playlist pitching. First "restore Supabase's defaults so new tables work with the client
-- libraries", then a table that looks locked down: RLS, forced, owner policies.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated;

CREATE TABLE public.playlist_pitches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  content_id uuid NOT NULL REFERENCES public.content (id) ON DELETE CASCADE,
  playlist text NOT NULL,
  status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'reviewing', 'accepted', 'rejected')),
  curator_feedback text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_playlist_pitches_artist ON public.playlist_pitches (artist_id);
CREATE INDEX idx_playlist_pitches_content ON public.playlist_pitches (content_id);

ALTER TABLE public.playlist_pitches ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.playlist_pitches FORCE ROW LEVEL SECURITY;
CREATE POLICY "Own pitches" ON public.playlist_pitches
  FOR SELECT TO authenticated USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Pitch own content" ON public.playlist_pitches
  FOR INSERT TO authenticated
  WITH CHECK (artist_id = (SELECT auth.uid())
              AND EXISTS (SELECT 1 FROM public.content AS c WHERE c.id = content_id));
