-- Hole: a child table owned only through its parent (task_steps.task_id -> tasks, no artist_id).
-- A SECURITY DEFINER trigger on tasks "merges duplicate boards": when an artist updates one of its
-- tasks, the steps of every other artist's tasks are re-parented onto it. The child rows' owner
-- (reached through the foreign key) moves from the other artists to the actor, while no parent row
-- changes. Each new task gets a first step from a trigger, so every artist has task_steps rows.
-- expect: isolation.cross_tenant_side_effect public.task_steps
CREATE TABLE public.task_steps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
  body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 500),
  created_at timestamptz NOT NULL DEFAULT now()
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

CREATE FUNCTION public.tasks_first_step() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.task_steps (task_id, body) VALUES (NEW.id, 'Get started');
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_first_step() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER tasks_first_step AFTER INSERT ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.tasks_first_step();

CREATE FUNCTION public.tasks_merge_steps() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.task_steps AS s
     SET task_id = NEW.id
    FROM public.tasks AS t
   WHERE t.id = s.task_id AND t.artist_id IS DISTINCT FROM NEW.artist_id;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_merge_steps() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER tasks_merge_steps AFTER UPDATE ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.tasks_merge_steps();
