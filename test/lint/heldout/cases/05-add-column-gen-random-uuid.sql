-- Public share ids for uploads.
ALTER TABLE public.content ADD COLUMN share_id uuid NOT NULL DEFAULT gen_random_uuid();
