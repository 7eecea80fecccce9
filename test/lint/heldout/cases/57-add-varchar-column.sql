-- ISO country of the artist (setup for case 12).
ALTER TABLE public.artists ADD COLUMN country_code varchar(2);
GRANT INSERT (country_code), UPDATE (country_code) ON TABLE public.artists TO authenticated;
