-- Insight notifications point at their insight.
ALTER TABLE public.notifications
  ADD CONSTRAINT notifications_related_insight_fkey FOREIGN KEY (related_entity_id) REFERENCES public.insights (id) ON DELETE SET NULL;
