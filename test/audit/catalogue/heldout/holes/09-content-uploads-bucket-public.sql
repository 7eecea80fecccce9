-- Marketing wants shareable links to uploads without signed URLs.
UPDATE storage.buckets SET public = true WHERE id = 'content-uploads';
