-- Planted: an email the owner may change (unique oracle), a column the app needs taken away
-- (unexpected deny), and a "service" policy that trusts a JWT claim (N1).
-- expect: isolation.unique_oracle public.artists(email)
-- expect: isolation.unexpected_deny public.artists
-- expect: rls_policy_trusts_jwt_role public.content

GRANT UPDATE (email) ON public.artists TO authenticated;
REVOKE UPDATE (bio) ON public.artists FROM authenticated;
CREATE POLICY "Service can manage content" ON public.content FOR ALL
  USING (auth.jwt() ->> 'role' = 'service_role');
