-- Hand an upload over to a collaborator: the app updates artist_id to the partner's id.
GRANT UPDATE (artist_id) ON TABLE public.content TO authenticated;
DROP POLICY "Artists edit own content" ON public.content;
CREATE POLICY "Artists edit own content" ON public.content
  FOR UPDATE TO authenticated
  USING (artist_id = (SELECT auth.uid()))
  WITH CHECK (true);
