-- Points total, done right: fixed search_path, qualified names, EXECUTE for authenticated only,
-- and the caller's own id only.
CREATE FUNCTION public.my_total_points() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT coalesce(sum(a.points_awarded), 0) FROM public.achievements AS a
   WHERE a.artist_id = (SELECT auth.uid())
$$;
REVOKE ALL ON FUNCTION public.my_total_points() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.my_total_points() TO authenticated;
