-- Planted: the draft's SECURITY DEFINER functions without a caller check (H3, H4, N3).
-- expect: function.cross_tenant_read public.get_dashboard_summary(uuid)
-- expect: function.cross_tenant_write public.update_artist_activity(uuid, text)
-- expect: security_definer_no_caller_check public.get_dashboard_summary(uuid)
-- expect: security_definer_function_executable public.update_artist_activity(uuid, text)
-- expect: isolation.unexpected_allow fn public.get_dashboard_summary(uuid)

CREATE OR REPLACE FUNCTION public.get_dashboard_summary(p_artist_id uuid DEFAULT NULL) RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT json_build_object(
    'recent_insights', (SELECT json_agg(json_build_object('id', i.id, 'title', i.title)) FROM public.insights i WHERE i.artist_id = p_artist_id),
    'pending_tasks', (SELECT json_agg(json_build_object('id', t.id, 'title', t.title)) FROM public.tasks t WHERE t.artist_id = p_artist_id))
$$;
GRANT EXECUTE ON FUNCTION public.get_dashboard_summary(uuid) TO anon;

CREATE OR REPLACE FUNCTION public.update_artist_activity(p_artist_id uuid, p_activity_type text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.artists SET last_active = now() WHERE id = p_artist_id;
  INSERT INTO public.artist_activity_log (artist_id, activity_type) VALUES (p_artist_id, coalesce(p_activity_type, 'x'));
END
$$;
