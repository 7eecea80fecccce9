-- Duets / replies: an upload can answer another upload. The parent's comment counter is kept
-- by a trigger; SECURITY DEFINER because clients have no UPDATE privilege on content.comments.
ALTER TABLE public.content ADD COLUMN reply_to_content_id uuid REFERENCES public.content (id) ON DELETE SET NULL;
CREATE INDEX idx_content_reply_to ON public.content (reply_to_content_id) WHERE reply_to_content_id IS NOT NULL;
GRANT INSERT (reply_to_content_id) ON TABLE public.content TO authenticated;

CREATE FUNCTION public.content_bump_reply_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NEW.reply_to_content_id IS NOT NULL THEN
    UPDATE public.content
       SET comments = comments + 1,
           engagement_rate = engagement_rate + 0.5
     WHERE id = NEW.reply_to_content_id;
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.content_bump_reply_count() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER content_bump_reply_count AFTER INSERT ON public.content
  FOR EACH ROW EXECUTE FUNCTION public.content_bump_reply_count();
