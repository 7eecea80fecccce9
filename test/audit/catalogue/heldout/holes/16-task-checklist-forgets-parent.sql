-- Checklist items under a task. Reads go through the parent task (RLS on tasks applies inside
-- the EXISTS); inserts only check who wrote the item.
CREATE TABLE public.task_checklist_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
  created_by uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  label text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
  done boolean NOT NULL DEFAULT false,
  position smallint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_task_checklist_items_task ON public.task_checklist_items (task_id);
CREATE INDEX idx_task_checklist_items_created_by ON public.task_checklist_items (created_by);

ALTER TABLE public.task_checklist_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.task_checklist_items FORCE ROW LEVEL SECURITY;

CREATE POLICY "Read items of own tasks" ON public.task_checklist_items
  FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.tasks AS t WHERE t.id = task_id));
CREATE POLICY "Add items" ON public.task_checklist_items
  FOR INSERT TO authenticated
  WITH CHECK (created_by = (SELECT auth.uid()));
CREATE POLICY "Tick own items" ON public.task_checklist_items
  FOR UPDATE TO authenticated
  USING (created_by = (SELECT auth.uid()))
  WITH CHECK (created_by = (SELECT auth.uid()));
CREATE POLICY "Delete own items" ON public.task_checklist_items
  FOR DELETE TO authenticated
  USING (created_by = (SELECT auth.uid()));

REVOKE ALL ON TABLE public.task_checklist_items FROM PUBLIC, anon, authenticated;
GRANT SELECT, DELETE ON TABLE public.task_checklist_items TO authenticated;
GRANT INSERT (task_id, label, done, position) ON TABLE public.task_checklist_items TO authenticated;
GRANT UPDATE (label, done, position) ON TABLE public.task_checklist_items TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.task_checklist_items TO service_role;
