-- title: unread insights, newest first (GET /insights?status=eq.unread&order=created_at.desc&limit=20)
-- params: artist_id
SELECT id, type, title, description, priority, created_at
FROM public.insights
WHERE artist_id = $1 AND status = 'unread'
ORDER BY created_at DESC
LIMIT 20
