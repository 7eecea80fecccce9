-- Generic "edit one profile field" RPC for the settings screen; the field name is quoted with %I,
-- the value with %L, so "it is injection-safe". SECURITY DEFINER to bump updated_at reliably.
CREATE FUNCTION public.update_profile_field(p_field text, p_value text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  EXECUTE format('UPDATE public.artists SET %I = %L WHERE id = %L', p_field, p_value, auth.uid());
END
$$;
REVOKE ALL ON FUNCTION public.update_profile_field(text, text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.update_profile_field(text, text) TO authenticated;
