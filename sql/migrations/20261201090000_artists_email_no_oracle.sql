-- artists_set_email answered differently for a right and a wrong email of someone else's user id
-- (right: the RLS refusal; wrong: "must be the email of your account"), so a client could test
-- whether an address belongs to a known user id (docs/schema.md H8 says it cannot). The trigger
-- now refuses a row for another user before it looks at the email, with the same error either way.
CREATE OR REPLACE FUNCTION public.artists_set_email() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  account_email text;
  caller uuid := (SELECT auth.uid());
BEGIN
  -- A signed-in client may only create its own row; the server (no user in the claims) any.
  IF caller IS NOT NULL AND NEW.id IS DISTINCT FROM caller THEN
    RAISE EXCEPTION 'new row violates row-level security policy for table "artists"'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT u.email INTO account_email FROM auth.users AS u WHERE u.id = NEW.id;
  IF NEW.email IS NOT NULL AND NEW.email IS DISTINCT FROM account_email THEN
    RAISE EXCEPTION 'artists.email must be the email of your account'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Leave email out; it is taken from your sign-in account.';
  END IF;
  NEW.email := account_email;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.artists_set_email() FROM PUBLIC, anon, authenticated, service_role;
