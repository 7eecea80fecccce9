-- Weekly e-mail digest RPC. The helper lives in a private schema and is SECURITY DEFINER
-- "because it is only called from get_insight_digest, which is SECURITY INVOKER".
CREATE SCHEMA IF NOT EXISTS private;
GRANT USAGE ON SCHEMA private TO authenticated;

CREATE FUNCTION private.insight_titles(p_artist_id uuid)
RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT i.title FROM public.insights AS i
  WHERE i.artist_id = p_artist_id
  ORDER BY i.created_at DESC
$$;
REVOKE ALL ON FUNCTION private.insight_titles(uuid) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.insight_titles(uuid) TO authenticated;

CREATE FUNCTION public.get_insight_digest(p_artist_id uuid DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = ''
AS $$
  SELECT string_agg(t, ' | ')
  FROM private.insight_titles(coalesce(p_artist_id, (SELECT auth.uid()))) AS t
$$;
REVOKE ALL ON FUNCTION public.get_insight_digest(uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.get_insight_digest(uuid) TO authenticated, service_role;
