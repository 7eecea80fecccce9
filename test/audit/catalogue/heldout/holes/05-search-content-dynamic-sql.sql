-- Full-text-ish search over the caller's uploads. Dynamic because the sort column is chosen by the
-- app; SECURITY DEFINER so it can use the server's statement_timeout (sic).
CREATE FUNCTION public.search_my_content(p_query text, p_order text DEFAULT 'created_at')
RETURNS TABLE (id uuid, title text, file_url text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY EXECUTE
    'SELECT c.id, c.title, c.file_url FROM public.content AS c '
    || 'WHERE c.artist_id = ''' || auth.uid()::text || ''' '
    || 'AND c.title ILIKE ''%' || p_query || '%'' '
    || 'ORDER BY ' || quote_ident(p_order) || ' DESC LIMIT 50';
END
$$;
REVOKE ALL ON FUNCTION public.search_my_content(text, text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.search_my_content(text, text) TO authenticated;
