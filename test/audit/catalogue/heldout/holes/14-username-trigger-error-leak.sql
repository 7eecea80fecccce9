-- Friendlier error than the bare unique violation when a handle is taken; SECURITY DEFINER so it
-- can see other artists' rows.
CREATE FUNCTION public.artists_check_username() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  holder record;
BEGIN
  SELECT a.id, a.email INTO holder FROM public.artists AS a
   WHERE lower(a.username) = lower(NEW.username) AND a.id <> NEW.id;
  IF FOUND THEN
    RAISE EXCEPTION 'username "%" is already taken (by %)', NEW.username, holder.email
      USING ERRCODE = 'unique_violation', HINT = 'Choose another handle.';
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.artists_check_username() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER artists_check_username BEFORE INSERT OR UPDATE OF username ON public.artists
  FOR EACH ROW EXECUTE FUNCTION public.artists_check_username();
