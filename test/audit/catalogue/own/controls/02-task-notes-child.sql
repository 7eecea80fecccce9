-- A child table owned through its task (no artist_id), with policies that check the parent.
CREATE TABLE public.task_notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_task_notes_task ON public.task_notes (task_id);
ALTER TABLE public.task_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.task_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY "own task notes" ON public.task_notes FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM public.tasks t WHERE t.id = task_id AND t.artist_id = (SELECT auth.uid())))
  WITH CHECK (EXISTS (SELECT 1 FROM public.tasks t WHERE t.id = task_id AND t.artist_id = (SELECT auth.uid())));
REVOKE ALL ON TABLE public.task_notes FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE, INSERT (task_id, body), UPDATE (body) ON TABLE public.task_notes TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.task_notes TO service_role;
