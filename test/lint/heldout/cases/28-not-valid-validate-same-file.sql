-- "Safe" foreign key: NOT VALID then VALIDATE ... in the same transactional file, so the
-- validation scan runs while the ADD's SHARE ROW EXCLUSIVE lock is still held.
ALTER TABLE public.notifications
  ADD CONSTRAINT notifications_related_insight_fkey FOREIGN KEY (related_entity_id) REFERENCES public.insights (id) NOT VALID;
ALTER TABLE public.notifications VALIDATE CONSTRAINT notifications_related_insight_fkey;
