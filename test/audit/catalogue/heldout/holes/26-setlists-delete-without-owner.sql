-- Setlists for shows. Venues are shared reference data. FKs without ON DELETE, an enum,
-- NOT NULL columns and CHECKs, a trigger that normalises the title.
CREATE TYPE public.show_kind AS ENUM ('headline', 'support', 'festival', 'livestream');

CREATE TABLE public.venues (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  city text NOT NULL,
  capacity integer NOT NULL CHECK (capacity > 0)
);
ALTER TABLE public.venues ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Anyone signed in reads venues" ON public.venues FOR SELECT TO authenticated USING (true);
REVOKE ALL ON TABLE public.venues FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE public.venues TO authenticated;

CREATE TABLE public.setlists (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id),
  venue_id bigint NOT NULL REFERENCES public.venues (id),
  kind public.show_kind NOT NULL,
  title text NOT NULL,
  starts_at timestamptz NOT NULL,
  songs jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(songs) = 'array'),
  ticket_price_cents integer CHECK (ticket_price_cents >= 0),
  notes text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_setlists_artist ON public.setlists (artist_id, starts_at);
CREATE INDEX idx_setlists_venue ON public.setlists (venue_id);

CREATE FUNCTION public.setlists_normalise() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  NEW.title := btrim(NEW.title);
  IF NEW.title = '' THEN
    RAISE EXCEPTION 'setlist title must not be blank' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.setlists_normalise() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER setlists_normalise BEFORE INSERT OR UPDATE ON public.setlists
  FOR EACH ROW EXECUTE FUNCTION public.setlists_normalise();

ALTER TABLE public.setlists ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.setlists FORCE ROW LEVEL SECURITY;
CREATE POLICY "Own setlists" ON public.setlists
  FOR SELECT TO authenticated USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Add own setlists" ON public.setlists
  FOR INSERT TO authenticated WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Edit own setlists" ON public.setlists
  FOR UPDATE TO authenticated USING (artist_id = (SELECT auth.uid())) WITH CHECK (artist_id = (SELECT auth.uid()));
-- Past shows are history and must not be deleted.
CREATE POLICY "Delete upcoming setlists" ON public.setlists
  FOR DELETE TO authenticated USING (starts_at > now());

REVOKE ALL ON TABLE public.setlists FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.setlists TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.setlists TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.venues TO service_role;
