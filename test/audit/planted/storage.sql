-- Planted: a private bucket whose policies check the bucket but not the folder, and a public
-- bucket anyone can list.
-- expect: storage.cross_tenant_read storage.objects[bucket=leaky-private]
-- expect: storage.cross_tenant_write storage.objects[bucket=leaky-private]
-- expect: storage.public_bucket_listing storage.objects[bucket=leaky-public]
-- expect: public_bucket_allows_listing leaky-public

INSERT INTO storage.buckets (id, name, public) VALUES ('leaky-private', 'leaky-private', false), ('leaky-public', 'leaky-public', true);
CREATE POLICY "media read" ON storage.objects FOR SELECT TO authenticated USING (bucket_id = 'leaky-private');
CREATE POLICY "media write" ON storage.objects FOR INSERT TO authenticated WITH CHECK (bucket_id = 'leaky-private');
CREATE POLICY "media delete" ON storage.objects FOR DELETE TO authenticated USING (bucket_id = 'leaky-private');
CREATE POLICY "leaky-public list" ON storage.objects FOR SELECT USING (bucket_id = 'leaky-public');
