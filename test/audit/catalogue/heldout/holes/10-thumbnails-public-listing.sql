-- The web player needs to read thumbnails; the bucket is public already, this "makes it work"
-- for the JS client's .list() call too.
CREATE POLICY "Thumbnails are readable by everyone" ON storage.objects
  FOR SELECT TO anon, authenticated
  USING (bucket_id = 'thumbnails');
