-- A new profile field the artist edits: nullable, bounded, granted for INSERT and UPDATE.
ALTER TABLE public.artists ADD COLUMN pronouns text CHECK (char_length(pronouns) <= 40);
GRANT INSERT (pronouns), UPDATE (pronouns) ON TABLE public.artists TO authenticated;
