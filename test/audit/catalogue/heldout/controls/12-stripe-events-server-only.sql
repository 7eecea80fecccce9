-- Stripe webhook idempotency log: server-only. RLS on with no policy, no API-role privileges.
CREATE TABLE public.stripe_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  artist_id uuid REFERENCES public.artists (id) ON DELETE SET NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_stripe_events_artist ON public.stripe_events (artist_id);
ALTER TABLE public.stripe_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.stripe_events FORCE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.stripe_events FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT ON TABLE public.stripe_events TO service_role;
