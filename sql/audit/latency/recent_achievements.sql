-- title: recent achievements (the trophy shelf)
-- params: artist_id
SELECT id, name, type, tier, points_awarded, icon, unlocked_at
FROM public.achievements
WHERE artist_id = $1
ORDER BY unlocked_at DESC
LIMIT 10
