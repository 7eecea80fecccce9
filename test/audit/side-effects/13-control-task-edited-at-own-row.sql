-- Control: tasks get notes_edited_at, set by a BEFORE UPDATE row trigger on the row being written
-- (server clock, like updated_at). It touches nothing but the actor's own row; nothing should be
-- reported beyond the new column being unreviewed.
ALTER TABLE public.tasks ADD COLUMN notes_edited_at timestamptz;
CREATE FUNCTION public.tasks_stamp_notes_edited() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NEW.completion_notes IS DISTINCT FROM OLD.completion_notes THEN
    NEW.notes_edited_at := now();
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_stamp_notes_edited() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER tasks_stamp_notes_edited BEFORE UPDATE ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.tasks_stamp_notes_edited();
