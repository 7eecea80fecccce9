-- Support staff can look up any artist from the in-app support screen.
CREATE POLICY "Staff can view all artists" ON public.artists
  FOR SELECT TO authenticated
  USING (((SELECT auth.jwt()) -> 'user_metadata' ->> 'staff')::boolean IS TRUE);

CREATE POLICY "Staff can view all connections" ON public.platform_connections
  FOR SELECT TO authenticated
  USING (((SELECT auth.jwt()) -> 'user_metadata' ->> 'staff')::boolean IS TRUE);
