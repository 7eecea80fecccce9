-- Engagement above 99,999 % happens on tiny accounts: widen the precision, same scale.
ALTER TABLE public.content ALTER COLUMN engagement_rate TYPE numeric(12,4);
