-- Hole: "clear my notifications" implemented as TRUNCATE in a SECURITY DEFINER RPC granted to
-- authenticated: TRUNCATE ignores RLS and row filters, so every artist's notifications vanish.
-- expect: function.cross_tenant_write public.clear_my_notifications()
CREATE FUNCTION public.clear_my_notifications() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  TRUNCATE public.notifications;
END
$$;
REVOKE ALL ON FUNCTION public.clear_my_notifications() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.clear_my_notifications() TO authenticated;
