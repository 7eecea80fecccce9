-- Adding a task awards 50 points at once (an achievement row the client could never insert):
-- a client action after which the server gives the client something it should not have.
CREATE FUNCTION public.tasks_welcome_bonus() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.achievements (artist_id, type, name, points_awarded) VALUES (NEW.artist_id, 'badge', 'busy bee', 50);
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_welcome_bonus() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER tasks_welcome_bonus AFTER INSERT ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.tasks_welcome_bonus();
