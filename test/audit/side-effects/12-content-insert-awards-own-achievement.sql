-- Hole (own server-owned values): a SECURITY DEFINER trigger awards an achievement with points to
-- the artist on every content upload. achievements is written by the server only (clients have
-- SELECT and nothing else), so a client upload minting its own points is a server-owned change.
-- expect: isolation.server_owned_changed public.achievements
CREATE FUNCTION public.content_award_upload() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.achievements (artist_id, type, name, points_awarded)
  VALUES (NEW.artist_id, 'milestone', 'Uploader', 25);
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.content_award_upload() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER content_award_upload AFTER INSERT ON public.content
  FOR EACH ROW EXECUTE FUNCTION public.content_award_upload();
