-- Planted on top of the shipped schema: the seed draft's table holes.
-- expect: isolation.cross_tenant_write public.metrics
-- expect: rls_policy_always_true public.metrics
-- expect: isolation.cross_tenant_read public.insights
-- expect: isolation.protected_column_writable public.artists
-- expect: isolation.secret_column_readable public.platform_connections
-- expect: truncate_granted_to_api_role public.tasks
-- expect: isolation.unexpected_allow public.tasks
-- expect: security_definer_view public.all_insights
-- expect: isolation.cross_tenant_read public.all_insights

-- H1: anyone (anon included) writes metrics for any artist.
CREATE POLICY "System can insert metrics" ON public.metrics FOR INSERT WITH CHECK (true);
GRANT INSERT ON public.metrics TO anon, authenticated;

-- Every artist reads every insight.
DROP POLICY "Artists see own insights" ON public.insights;
CREATE POLICY "Artists see insights" ON public.insights FOR SELECT TO authenticated USING (true);

-- H5: the whole artists row is writable by its owner, billing included.
GRANT UPDATE ON public.artists TO authenticated;

-- H9: token columns readable by the client.
GRANT SELECT ON public.platform_connections TO authenticated;

-- N2: TRUNCATE ignores RLS.
GRANT TRUNCATE ON public.tasks TO authenticated;

-- A view that runs as its owner: RLS of the caller never applies.
CREATE VIEW public.all_insights AS SELECT id, artist_id, title FROM public.insights;
GRANT SELECT ON public.all_insights TO authenticated;
