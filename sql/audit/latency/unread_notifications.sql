-- title: unread notifications, newest first (the bell badge and list)
-- params: artist_id
SELECT id, type, title, body, scheduled_for, related_entity_type, related_entity_id
FROM public.notifications
WHERE artist_id = $1 AND opened = false
ORDER BY scheduled_for DESC
LIMIT 20
