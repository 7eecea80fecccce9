-- Public artist card for share links (opened by people without an account).
CREATE FUNCTION public.get_artist_card(p_artist_id uuid)
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT json_build_object('id', a.id, 'name', a.name, 'username', a.username, 'genre', a.genre,
                           'avatar_url', a.avatar_url, 'bio', a.bio, 'email', a.email,
                           'tier', a.subscription_tier, 'stripe_customer_id', a.stripe_customer_id)
    FROM public.artists AS a WHERE a.id = p_artist_id
$$;
GRANT EXECUTE ON FUNCTION public.get_artist_card(uuid) TO anon, authenticated;
