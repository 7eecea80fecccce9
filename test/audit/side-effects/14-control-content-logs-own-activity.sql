-- Control: a SECURITY DEFINER trigger logs every content upload or edit into the artist's OWN
-- artist_activity_log rows. Clients may insert into that table themselves (INSERT grant and an
-- own-row policy), so the new log row is neither another artist's data nor a server-owned value:
-- nothing should be reported.
CREATE FUNCTION public.content_log_activity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.artist_activity_log (artist_id, activity_type)
  VALUES (NEW.artist_id, 'content_' || lower(TG_OP));
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION public.content_log_activity() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER content_log_activity AFTER INSERT OR UPDATE ON public.content
  FOR EACH ROW EXECUTE FUNCTION public.content_log_activity();
