-- Fan mail inbox (MVP; "we'll add RLS before launch").
CREATE TABLE public.fan_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  sender_name text NOT NULL,
  sender_email text,
  message text NOT NULL,
  read boolean NOT NULL DEFAULT false,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_fan_messages_artist ON public.fan_messages (artist_id, received_at DESC);

GRANT SELECT, UPDATE (read) ON TABLE public.fan_messages TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.fan_messages TO service_role;
