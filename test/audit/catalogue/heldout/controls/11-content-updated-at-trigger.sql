-- Offline sync needs content.updated_at, maintained by an invoker trigger (server clock).
ALTER TABLE public.content ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX idx_content_artist_updated ON public.content (artist_id, updated_at);
CREATE TRIGGER update_content_updated_at BEFORE UPDATE ON public.content
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
