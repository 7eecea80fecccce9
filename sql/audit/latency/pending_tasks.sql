-- title: pending tasks in dashboard order (GET /tasks?completed=is.false&order=impact_score.desc,due_date.asc)
-- params: artist_id
SELECT id, title, category, difficulty, impact_score, due_date, points_reward
FROM public.tasks
WHERE artist_id = $1 AND completed = false
ORDER BY impact_score DESC, due_date ASC NULLS LAST
LIMIT 20
