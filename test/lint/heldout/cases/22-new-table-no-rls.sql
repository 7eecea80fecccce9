-- Fan mail inbox.
CREATE TABLE public.fan_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  message text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_fan_messages_artist ON public.fan_messages (artist_id);
GRANT SELECT ON TABLE public.fan_messages TO authenticated;
