-- Region codes like "US-CA" do not fit varchar(2): widen, then drop the limit. Neither rewrites
-- the table (binary-coercible), but both take ACCESS EXCLUSIVE briefly.
ALTER TABLE public.artists ALTER COLUMN country_code TYPE varchar(10);
ALTER TABLE public.artists ALTER COLUMN country_code TYPE text;
