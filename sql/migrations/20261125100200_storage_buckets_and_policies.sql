-- The app's storage buckets and who may touch which file (the draft's setupStorageBuckets(),
-- made safe). In a migration so every environment has them; `dreamdb storage sync` keeps the
-- buckets in line with sql/storage/buckets.json afterwards (the declarations win for limits).
--
-- Buckets (limits are enforced by the Storage API on upload, as Supabase does; plain Postgres has
-- no Storage API, so there they are only recorded):
--   avatars          public   5 MiB    image/jpeg, image/png, image/webp
--   content-uploads  private  100 MiB  image/*, video/*, audio/*
--   thumbnails       public   1 MiB    image/jpeg, image/png, image/webp
--
-- Access (RLS on storage.objects; an object's first folder is its artist: "<auth.uid()>/..."):
--   * an artist uploads, lists, replaces and deletes files only under its own folder, in these
--     three buckets only (an undeclared bucket gets no access until a migration grants it);
--   * nobody lists anyone else's files, in any bucket. Public buckets serve files by URL without a
--     SELECT policy (the Storage API skips RLS for public downloads), so a public bucket never
--     needs a policy that would let anyone enumerate every artist's files;
--   * anon has no policy at all; service_role bypasses RLS (BYPASSRLS), as on Supabase.
-- One policy per command for all three buckets (several permissive policies for one role and
-- command are each evaluated); auth.uid() wrapped in a sub-select so it is evaluated once.

INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES
  ('avatars', 'avatars', true, 5242880, ARRAY['image/jpeg', 'image/png', 'image/webp']),
  ('content-uploads', 'content-uploads', false, 104857600, ARRAY['image/*', 'video/*', 'audio/*']),
  ('thumbnails', 'thumbnails', true, 1048576, ARRAY['image/jpeg', 'image/png', 'image/webp'])
ON CONFLICT (id) DO NOTHING;

DROP POLICY IF EXISTS "Artists list own files" ON storage.objects;
CREATE POLICY "Artists list own files" ON storage.objects
  FOR SELECT TO authenticated
  USING (bucket_id IN ('avatars', 'content-uploads', 'thumbnails')
         AND (storage.foldername(name))[1] = (SELECT auth.uid()::text));

DROP POLICY IF EXISTS "Artists upload to own folder" ON storage.objects;
CREATE POLICY "Artists upload to own folder" ON storage.objects
  FOR INSERT TO authenticated
  WITH CHECK (bucket_id IN ('avatars', 'content-uploads', 'thumbnails')
              AND (storage.foldername(name))[1] = (SELECT auth.uid()::text));

DROP POLICY IF EXISTS "Artists replace own files" ON storage.objects;
CREATE POLICY "Artists replace own files" ON storage.objects
  FOR UPDATE TO authenticated
  USING (bucket_id IN ('avatars', 'content-uploads', 'thumbnails')
         AND (storage.foldername(name))[1] = (SELECT auth.uid()::text))
  WITH CHECK (bucket_id IN ('avatars', 'content-uploads', 'thumbnails')
              AND (storage.foldername(name))[1] = (SELECT auth.uid()::text));

DROP POLICY IF EXISTS "Artists delete own files" ON storage.objects;
CREATE POLICY "Artists delete own files" ON storage.objects
  FOR DELETE TO authenticated
  USING (bucket_id IN ('avatars', 'content-uploads', 'thumbnails')
         AND (storage.foldername(name))[1] = (SELECT auth.uid()::text));
