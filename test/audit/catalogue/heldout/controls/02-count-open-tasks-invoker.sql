-- Badge counter for the tab bar. SECURITY INVOKER: RLS on tasks decides.
CREATE FUNCTION public.count_open_tasks(p_artist_id uuid DEFAULT NULL)
RETURNS integer
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = '' AS $$
  SELECT count(*)::integer FROM public.tasks AS t
   WHERE t.artist_id = coalesce(p_artist_id, (SELECT auth.uid())) AND NOT t.completed
$$;
REVOKE ALL ON FUNCTION public.count_open_tasks(uuid) FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.count_open_tasks(uuid) TO authenticated, service_role;
