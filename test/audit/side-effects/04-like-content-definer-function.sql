-- Hole: a SECURITY DEFINER RPC granted to authenticated that bumps a content row's likes by id,
-- with no check of whose content it is: an artist called with another artist's content id writes
-- that artist's server-measured counter.
-- expect: function.cross_tenant_write public.like_content(uuid)
CREATE FUNCTION public.like_content(p_content_id uuid) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  UPDATE public.content SET likes = likes + 1 WHERE id = p_content_id RETURNING likes
$$;
REVOKE ALL ON FUNCTION public.like_content(uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.like_content(uuid) TO authenticated;
