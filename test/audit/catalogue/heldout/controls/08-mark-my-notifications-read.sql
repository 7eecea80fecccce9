-- "Mark all as read" done right: no id argument, the caller's rows only, client columns only,
-- SECURITY INVOKER, EXECUTE revoked from PUBLIC and anon.
CREATE FUNCTION public.mark_my_notifications_read()
RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER SET search_path = '' AS $$
DECLARE
  n integer;
BEGIN
  UPDATE public.notifications
     SET opened = true, opened_at = now()
   WHERE artist_id = (SELECT auth.uid()) AND NOT opened;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION public.mark_my_notifications_read() FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.mark_my_notifications_read() TO authenticated;
