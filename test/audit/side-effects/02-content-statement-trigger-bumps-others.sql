-- Hole: an AFTER UPDATE statement-level trigger on content (SECURITY DEFINER) "refreshes the
-- leaderboard" by bumping share_count on every achievement of every artist except the caller. An
-- artist editing its own content (client-writable columns) changes other artists' achievements.
-- expect: isolation.cross_tenant_side_effect public.achievements
CREATE FUNCTION public.content_refresh_leaderboard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.achievements
     SET share_count = share_count + 1
   WHERE artist_id IS DISTINCT FROM (SELECT auth.uid());
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION public.content_refresh_leaderboard() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER content_refresh_leaderboard AFTER UPDATE ON public.content
  FOR EACH STATEMENT EXECUTE FUNCTION public.content_refresh_leaderboard();
