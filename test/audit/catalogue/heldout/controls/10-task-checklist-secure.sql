-- Checklist items under a task, ownership through the parent task on every command.
CREATE TABLE public.task_checklist_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
  label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
  done boolean NOT NULL DEFAULT false,
  position smallint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_task_checklist_items_task ON public.task_checklist_items (task_id);

ALTER TABLE public.task_checklist_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.task_checklist_items FORCE ROW LEVEL SECURITY;

CREATE POLICY "Items of own tasks: read" ON public.task_checklist_items
  FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.tasks AS t
                 WHERE t.id = task_checklist_items.task_id AND t.artist_id = (SELECT auth.uid())));
CREATE POLICY "Items of own tasks: add" ON public.task_checklist_items
  FOR INSERT TO authenticated
  WITH CHECK (EXISTS (SELECT 1 FROM public.tasks AS t
                      WHERE t.id = task_checklist_items.task_id AND t.artist_id = (SELECT auth.uid())));
CREATE POLICY "Items of own tasks: edit" ON public.task_checklist_items
  FOR UPDATE TO authenticated
  USING (EXISTS (SELECT 1 FROM public.tasks AS t
                 WHERE t.id = task_checklist_items.task_id AND t.artist_id = (SELECT auth.uid())))
  WITH CHECK (EXISTS (SELECT 1 FROM public.tasks AS t
                      WHERE t.id = task_checklist_items.task_id AND t.artist_id = (SELECT auth.uid())));
CREATE POLICY "Items of own tasks: delete" ON public.task_checklist_items
  FOR DELETE TO authenticated
  USING (EXISTS (SELECT 1 FROM public.tasks AS t
                 WHERE t.id = task_checklist_items.task_id AND t.artist_id = (SELECT auth.uid())));

REVOKE ALL ON TABLE public.task_checklist_items FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE ON TABLE public.task_checklist_items TO authenticated;
GRANT INSERT (task_id, label, done, position) ON TABLE public.task_checklist_items TO authenticated;
GRANT UPDATE (label, done, position) ON TABLE public.task_checklist_items TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.task_checklist_items TO service_role;
