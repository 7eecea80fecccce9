-- Speed up the content search screen.
CREATE INDEX idx_content_title ON public.content (title);
