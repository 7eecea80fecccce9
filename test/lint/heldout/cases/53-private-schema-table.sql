-- Server-only queue in a schema the Data API does not expose and the API roles cannot use.
CREATE SCHEMA internal;
REVOKE ALL ON SCHEMA internal FROM PUBLIC, anon, authenticated;
CREATE TABLE internal.push_queue (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES public.notifications (id) ON DELETE CASCADE,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX idx_push_queue_notification ON internal.push_queue (notification_id);
