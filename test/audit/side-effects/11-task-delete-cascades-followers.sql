-- Hole: task_follows lets an artist follow a task; its foreign key to tasks is ON DELETE CASCADE.
-- A server trigger makes every new task follow the oldest task of another artist (a "see how
-- others did it" suggestion). When an artist deletes its own task (allowed), the cascade deletes
-- the follow rows other artists own.
-- expect: isolation.cross_tenant_side_effect public.task_follows
CREATE TABLE public.task_follows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  task_id uuid NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_task_follows_artist ON public.task_follows (artist_id);
CREATE INDEX idx_task_follows_task ON public.task_follows (task_id);
ALTER TABLE public.task_follows ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.task_follows FORCE ROW LEVEL SECURITY;
CREATE POLICY "Artists see own follows" ON public.task_follows FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
REVOKE ALL ON TABLE public.task_follows FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE public.task_follows TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.task_follows TO service_role;

CREATE FUNCTION public.tasks_suggest_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.task_follows (artist_id, task_id)
  SELECT NEW.artist_id, t.id
    FROM public.tasks AS t
   WHERE t.artist_id IS DISTINCT FROM NEW.artist_id
   ORDER BY t.created_at, t.id
   LIMIT 1;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_suggest_follow() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER tasks_suggest_follow AFTER INSERT ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.tasks_suggest_follow();
