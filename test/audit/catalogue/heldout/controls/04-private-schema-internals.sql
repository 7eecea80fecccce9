-- Server-only internals: a queue table and a SECURITY DEFINER helper in a schema the API roles
-- cannot use (not exposed, no USAGE, EXECUTE revoked from everyone but service_role).
CREATE SCHEMA internal;
REVOKE ALL ON SCHEMA internal FROM PUBLIC, anon, authenticated;
GRANT USAGE ON SCHEMA internal TO service_role;

CREATE TABLE internal.push_queue (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  notification_id uuid NOT NULL REFERENCES public.notifications (id) ON DELETE CASCADE,
  attempts integer NOT NULL DEFAULT 0,
  enqueued_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON TABLE internal.push_queue FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE internal.push_queue TO service_role;

CREATE FUNCTION internal.enqueue_pending_pushes()
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  n integer;
BEGIN
  INSERT INTO internal.push_queue (artist_id, notification_id)
  SELECT n.artist_id, n.id FROM public.notifications AS n
   WHERE NOT n.push_sent AND n.scheduled_for <= now();
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION internal.enqueue_pending_pushes() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION internal.enqueue_pending_pushes() TO service_role;
