-- Step 1 of 2: the foreign key, not validated (no scan; existing rows are checked in step 2).
ALTER TABLE public.notifications ADD COLUMN content_id uuid;
ALTER TABLE public.notifications
  ADD CONSTRAINT notifications_content_id_fkey FOREIGN KEY (content_id)
  REFERENCES public.content (id) ON DELETE CASCADE NOT VALID;
