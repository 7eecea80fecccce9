-- Artists can annotate insights. "Comment rows are only reachable by insight id, and only the
-- owner knows their insight ids", so reads are not filtered by owner; the app always filters
-- by insight_id. Writes check the parent properly.
CREATE TABLE public.insight_comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  insight_id uuid NOT NULL REFERENCES public.insights (id) ON DELETE CASCADE,
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_insight_comments_insight ON public.insight_comments (insight_id);
CREATE INDEX idx_insight_comments_artist ON public.insight_comments (artist_id);

ALTER TABLE public.insight_comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.insight_comments FORCE ROW LEVEL SECURITY;

CREATE POLICY "Read comments of an insight" ON public.insight_comments
  FOR SELECT TO authenticated
  USING (insight_id IS NOT NULL);
CREATE POLICY "Comment on own insights" ON public.insight_comments
  FOR INSERT TO authenticated
  WITH CHECK (artist_id = (SELECT auth.uid())
              AND EXISTS (SELECT 1 FROM public.insights AS i
                          WHERE i.id = insight_id AND i.artist_id = (SELECT auth.uid())));

REVOKE ALL ON TABLE public.insight_comments FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE public.insight_comments TO authenticated;
GRANT INSERT (insight_id, body) ON TABLE public.insight_comments TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.insight_comments TO service_role;
