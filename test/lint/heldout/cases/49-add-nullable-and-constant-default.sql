-- New optional profile fields: a nullable column and a constant default (no rewrite since PG 11).
ALTER TABLE public.artists ADD COLUMN pronouns text;
ALTER TABLE public.artists ADD COLUMN theme text NOT NULL DEFAULT 'system';
GRANT INSERT (pronouns, theme), UPDATE (pronouns, theme) ON TABLE public.artists TO authenticated;
