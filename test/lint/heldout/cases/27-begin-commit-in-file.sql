-- Backfill in its own transaction (copied from a psql session).
BEGIN;
UPDATE public.insights SET priority = 'low' WHERE status = 'dismissed';
COMMIT;
ALTER TABLE public.insights ADD COLUMN archived boolean;
