-- Merch print runs ordered from Dream Suite. Paid by Stripe Checkout; the webhook sets status.
-- Identity id, generated total, enum, FK without ON DELETE, CHECKs, a BEFORE INSERT trigger.
CREATE TYPE public.merch_order_status AS ENUM ('draft', 'pending_payment', 'paid', 'shipped', 'refunded');

CREATE TABLE public.merch_orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_number text NOT NULL UNIQUE,
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id),
  item text NOT NULL CHECK (item IN ('tshirt', 'hoodie', 'poster', 'vinyl', 'cd')),
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
  unit_price_cents integer NOT NULL CHECK (unit_price_cents > 0),
  total_cents bigint GENERATED ALWAYS AS (quantity::bigint * unit_price_cents) STORED,
  status public.merch_order_status NOT NULL DEFAULT 'draft',
  shipping_address jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_merch_orders_artist ON public.merch_orders (artist_id, created_at DESC);

CREATE FUNCTION public.merch_orders_number() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  NEW.order_number := 'DS-' || to_char(now(), 'YYYYMMDD') || '-' || substr(md5(random()::text), 1, 8);
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.merch_orders_number() FROM PUBLIC, anon, authenticated;
CREATE TRIGGER merch_orders_number BEFORE INSERT ON public.merch_orders
  FOR EACH ROW EXECUTE FUNCTION public.merch_orders_number();

ALTER TABLE public.merch_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.merch_orders FORCE ROW LEVEL SECURITY;
CREATE POLICY "Own orders" ON public.merch_orders
  FOR SELECT TO authenticated USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Place own orders" ON public.merch_orders
  FOR INSERT TO authenticated WITH CHECK (artist_id = (SELECT auth.uid()));

REVOKE ALL ON TABLE public.merch_orders FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE public.merch_orders TO authenticated;
GRANT INSERT (artist_id, item, quantity, unit_price_cents, status, shipping_address)
  ON TABLE public.merch_orders TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.merch_orders TO service_role;
