-- Hole (written with the gating of the digest in mind, not held out): a child table owned only
-- through its parent (task_steps.task_id -> tasks). A SECURITY DEFINER trigger hands the task an
-- artist updates over to another artist. No task_steps row is written, yet the task's steps now
-- belong to that other artist: task_steps' digest must be taken again because a table its owner
-- test reads (tasks) moved. tasks moves too; the finding that proves the dependency is task_steps.
-- expect: isolation.cross_tenant_side_effect public.task_steps
CREATE TABLE public.task_steps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 500)
);
CREATE INDEX idx_task_steps_task ON public.task_steps (task_id);
ALTER TABLE public.task_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.task_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY "own task steps" ON public.task_steps FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM public.tasks t WHERE t.id = task_id AND t.artist_id = (SELECT auth.uid())))
  WITH CHECK (EXISTS (SELECT 1 FROM public.tasks t WHERE t.id = task_id AND t.artist_id = (SELECT auth.uid())));
REVOKE ALL ON TABLE public.task_steps FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE, INSERT (task_id, body), UPDATE (body) ON TABLE public.task_steps TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.task_steps TO service_role;

CREATE FUNCTION public.tasks_hand_over() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.tasks SET artist_id = (SELECT a.id FROM public.artists a WHERE a.id <> NEW.artist_id ORDER BY a.id LIMIT 1)
   WHERE id = NEW.id;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_hand_over() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER tasks_hand_over AFTER UPDATE OF title ON public.tasks
  FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION public.tasks_hand_over();
