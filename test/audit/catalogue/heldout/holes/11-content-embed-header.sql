-- Embeddable web widget: the embed page's edge function forwards x-artist-id so the widget can
-- read that artist's catalogue without a session.
GRANT SELECT (id, artist_id, title, description, content_type, platform, file_url, thumbnail_url,
              published, published_at, views, likes)
  ON TABLE public.content TO anon;

CREATE POLICY "Embed widget reads the artist's catalogue" ON public.content
  FOR SELECT TO anon, authenticated
  USING (artist_id::text = current_setting('request.headers', true)::json ->> 'x-artist-id');
