-- "Mark all as read" button. SECURITY DEFINER because clients may only update three columns and
-- this also stamps push_sent (sic). EXECUTE is never revoked from PUBLIC.
CREATE FUNCTION public.mark_all_notifications_read(p_artist_id uuid)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  n integer;
BEGIN
  UPDATE public.notifications
     SET opened = true, opened_at = now(), push_sent = true, action_taken = 'mark_all_read'
   WHERE artist_id = p_artist_id AND NOT opened;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
GRANT EXECUTE ON FUNCTION public.mark_all_notifications_read(uuid) TO authenticated;
