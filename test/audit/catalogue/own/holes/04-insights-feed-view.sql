-- A "feed" view without an owner column, owned by the migration role (no security_invoker):
-- every signed-in user reads every artist's insight titles, though no row says whose they are.
CREATE VIEW public.insight_feed AS SELECT title, description, created_at FROM public.insights;
REVOKE ALL ON public.insight_feed FROM PUBLIC, anon;
GRANT SELECT ON public.insight_feed TO authenticated;
