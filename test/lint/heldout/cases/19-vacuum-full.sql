-- dreamdb:no-transaction
-- Reclaim space after the backfill.
VACUUM FULL public.notifications;
