-- Collaborations: an artist invites another artist; the partner accepts. Foreign keys without
-- ON DELETE (a collaboration must not vanish silently), an enum, CHECKs, required jsonb.
CREATE TYPE public.collab_status AS ENUM ('invited', 'accepted', 'declined', 'cancelled');

CREATE TABLE public.collaborations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id),
  partner_artist_id uuid NOT NULL REFERENCES public.artists (id),
  role text NOT NULL CHECK (role IN ('feature', 'producer', 'writer', 'remix')),
  split_pct numeric(5,2) NOT NULL CHECK (split_pct > 0 AND split_pct <= 100),
  status public.collab_status NOT NULL DEFAULT 'invited',
  terms jsonb NOT NULL,
  release_date date,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (artist_id <> partner_artist_id),
  UNIQUE (artist_id, partner_artist_id, role)
);
CREATE INDEX idx_collaborations_partner ON public.collaborations (partner_artist_id);

ALTER TABLE public.collaborations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.collaborations FORCE ROW LEVEL SECURITY;

CREATE POLICY "Parties see their collaborations" ON public.collaborations
  FOR SELECT TO authenticated
  USING ((SELECT auth.uid()) IN (artist_id, partner_artist_id));
CREATE POLICY "Parties create collaborations" ON public.collaborations
  FOR INSERT TO authenticated
  WITH CHECK ((SELECT auth.uid()) IN (artist_id, partner_artist_id));
CREATE POLICY "Partner answers" ON public.collaborations
  FOR UPDATE TO authenticated
  USING (partner_artist_id = (SELECT auth.uid()))
  WITH CHECK (partner_artist_id = (SELECT auth.uid()));

REVOKE ALL ON TABLE public.collaborations FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE public.collaborations TO authenticated;
GRANT INSERT (artist_id, partner_artist_id, role, split_pct, status, terms, release_date)
  ON TABLE public.collaborations TO authenticated;
GRANT UPDATE (status) ON TABLE public.collaborations TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.collaborations TO service_role;
