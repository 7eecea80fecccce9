-- The new sync-status screen uses select=* ; re-grant SELECT on the whole table.
GRANT SELECT ON TABLE public.platform_connections TO authenticated;
