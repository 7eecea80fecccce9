-- The growth streak is computed in the app now.
DROP FUNCTION public.calculate_growth_streak(uuid, text);
