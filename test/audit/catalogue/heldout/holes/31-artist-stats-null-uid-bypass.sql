-- Stats for the public profile page. The ownership check "keeps other artists out".
CREATE FUNCTION public.get_artist_stats(p_artist_id uuid)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF p_artist_id <> auth.uid() THEN
    RAISE EXCEPTION 'not your artist' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN (
    SELECT json_build_object(
      'followers', (SELECT sum(m.followers) FROM public.metrics AS m
                     WHERE m.artist_id = p_artist_id AND m.metric_date = current_date),
      'insights', (SELECT json_agg(i.title) FROM public.insights AS i WHERE i.artist_id = p_artist_id),
      'tier', (SELECT a.subscription_tier FROM public.artists AS a WHERE a.id = p_artist_id))
  );
END
$$;
REVOKE ALL ON FUNCTION public.get_artist_stats(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_artist_stats(uuid) TO anon, authenticated;
