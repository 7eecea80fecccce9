-- Points total for the profile header.
CREATE FUNCTION public.total_points(p_artist_id uuid) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT coalesce(sum(points_awarded), 0) FROM achievements WHERE artist_id = p_artist_id
$$;
REVOKE ALL ON FUNCTION public.total_points(uuid) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.total_points(uuid) TO authenticated;
