-- Referral trials: the app passes trial_ends_at at sign-up for referred users.
GRANT INSERT (trial_ends_at) ON TABLE public.artists TO authenticated;

DROP POLICY "Artists can create own profile" ON public.artists;
CREATE POLICY "Artists can create own profile" ON public.artists
  FOR INSERT TO authenticated
  WITH CHECK (id = (SELECT auth.uid())
              AND subscription_status = 'inactive' AND subscription_tier = 'free'
              AND stripe_customer_id IS NULL AND subscription_ends_at IS NULL);
