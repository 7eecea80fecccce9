-- Hole: a BEFORE INSERT row trigger on tasks (SECURITY DEFINER) "tells the team" by inserting a
-- notification for every OTHER artist whenever an artist adds a task. An artist's own task insert
-- (a client write the grants and policies allow) thereby writes rows of other artists.
-- expect: isolation.cross_tenant_side_effect public.notifications
CREATE FUNCTION public.tasks_notify_team() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.notifications (artist_id, type, title, body)
  SELECT a.id, 'system', 'New task on the board', coalesce(NEW.title, '')
    FROM public.artists AS a
   WHERE a.id IS DISTINCT FROM NEW.artist_id;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_notify_team() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER tasks_notify_team BEFORE INSERT ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.tasks_notify_team();
