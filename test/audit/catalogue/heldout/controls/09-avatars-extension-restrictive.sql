-- Avatars must be images by extension too (defence in depth beside the MIME allow-list).
CREATE POLICY "Avatar uploads are images" ON storage.objects
  AS RESTRICTIVE
  FOR INSERT TO authenticated
  WITH CHECK (bucket_id <> 'avatars' OR lower(storage.extension(name)) IN ('png', 'jpg', 'jpeg', 'webp'));
