-- Hole: tasks get an enum column (effort, NOT NULL, default 'normal'). A SECURITY DEFINER RPC
-- granted to authenticated "moves the effort scale to its v2 names" with ALTER TYPE ... RENAME
-- VALUE for every label: no row is written, yet every artist's tasks now read differently
-- ('normal' -> 'normal_v2', whichever label a row holds).
-- expect: function.cross_tenant_write public.rename_effort_levels()
CREATE TYPE public.task_effort AS ENUM ('light', 'normal', 'heavy');
ALTER TABLE public.tasks ADD COLUMN effort public.task_effort NOT NULL DEFAULT 'normal';
GRANT INSERT (effort), UPDATE (effort) ON TABLE public.tasks TO authenticated;

CREATE FUNCTION public.rename_effort_levels() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT e.enumlabel FROM pg_catalog.pg_enum AS e
            WHERE e.enumtypid = 'public.task_effort'::regtype AND e.enumlabel NOT LIKE '%\_v2' LOOP
    EXECUTE pg_catalog.format('ALTER TYPE public.task_effort RENAME VALUE %L TO %L', r.enumlabel, r.enumlabel || '_v2');
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION public.rename_effort_levels() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.rename_effort_levels() TO authenticated;
