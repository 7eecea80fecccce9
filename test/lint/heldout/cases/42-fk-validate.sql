-- Step 2 of 2 (a later file): validate; takes SHARE UPDATE EXCLUSIVE only, reads and writes go on.
ALTER TABLE public.notifications VALIDATE CONSTRAINT notifications_content_id_fkey;
