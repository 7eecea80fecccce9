-- Offline sync needs content.updated_at, maintained by an invoker trigger (server clock).
-- (Written before the offline-sync migration added content.updated_at itself; IF NOT EXISTS keeps
-- the control's index and trigger applicable to today's schema.)
ALTER TABLE public.content ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX idx_content_artist_updated ON public.content (artist_id, updated_at);
CREATE TRIGGER update_content_updated_at BEFORE UPDATE ON public.content
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
