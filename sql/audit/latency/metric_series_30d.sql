-- title: 30-day metric series for one platform (the growth chart)
-- params: artist_id, platform
SELECT metric_date, followers, engagement_rate, total_views, follower_growth, follower_growth_rate
FROM public.metrics
WHERE artist_id = $1 AND platform = $2 AND metric_date >= current_date - 30
ORDER BY metric_date
