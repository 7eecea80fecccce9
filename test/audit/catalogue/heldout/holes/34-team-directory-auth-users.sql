-- Team directory for the collaboration picker: name, handle and sign-in e-mail/phone.
CREATE VIEW public.team_directory AS
  SELECT a.id, a.name, a.username, u.email AS login_email, u.phone, u.raw_user_meta_data AS profile
    FROM public.artists AS a
    JOIN auth.users AS u ON u.id = a.id;
GRANT SELECT ON public.team_directory TO authenticated;
