-- Estimates in minutes can exceed 2^31 for multi-year projects (sic).
ALTER TABLE public.tasks ALTER COLUMN estimated_time TYPE bigint;
