-- The avatars bucket accepts any file type and 1 GiB files (declared: images, 5 MiB).
UPDATE storage.buckets SET allowed_mime_types = NULL, file_size_limit = 1073741824 WHERE id = 'avatars';
