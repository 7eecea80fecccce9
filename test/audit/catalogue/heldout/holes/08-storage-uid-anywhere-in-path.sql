-- Nested folders for collaborations: "<owner>/<collaborator>/file" should be writable by the
-- collaborator too, so accept the caller's id as any folder of the path.
DROP POLICY "Artists upload to own folder" ON storage.objects;
CREATE POLICY "Artists upload to own folder" ON storage.objects
  FOR INSERT TO authenticated
  WITH CHECK (bucket_id IN ('avatars', 'content-uploads', 'thumbnails')
              AND (SELECT auth.uid()::text) = ANY (storage.foldername(name)));

DROP POLICY "Artists list own files" ON storage.objects;
CREATE POLICY "Artists list own files" ON storage.objects
  FOR SELECT TO authenticated
  USING (bucket_id IN ('avatars', 'content-uploads', 'thumbnails')
         AND name LIKE '%' || (SELECT auth.uid()::text) || '%');
