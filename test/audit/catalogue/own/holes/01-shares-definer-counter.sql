-- A client marks its achievement shared; a SECURITY DEFINER trigger bumps share_count on every
-- achievement with the same name, whoever owns it (a cross-tenant write through a trigger).
GRANT UPDATE (shared) ON TABLE public.achievements TO authenticated;
CREATE POLICY "Artists share own achievements" ON public.achievements FOR UPDATE TO authenticated
  USING (artist_id = (SELECT auth.uid())) WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE FUNCTION public.achievements_count_share() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NEW.shared AND NOT OLD.shared THEN
    UPDATE public.achievements SET share_count = share_count + 1 WHERE type = NEW.type AND id <> NEW.id;
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.achievements_count_share() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER achievements_count_share AFTER UPDATE OF shared ON public.achievements
  FOR EACH ROW EXECUTE FUNCTION public.achievements_count_share();
