-- Hole: a SECURITY DEFINER "maintenance" RPC left granted to authenticated that drops a column of
-- a tenant table (ALTER TABLE ... DROP COLUMN): every artist's content rows lose their
-- thumbnail_url, so other artists' rows change.
-- expect: function.cross_tenant_write public.retire_thumbnail_urls()
CREATE FUNCTION public.retire_thumbnail_urls() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  ALTER TABLE public.content DROP COLUMN IF EXISTS thumbnail_url;
END
$$;
REVOKE ALL ON FUNCTION public.retire_thumbnail_urls() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.retire_thumbnail_urls() TO authenticated;
