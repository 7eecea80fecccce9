-- dreamdb audit-rls: synthetic data for the latency budgets, until `dreamdb seed` exists.
-- $1 artists, $2 days of metrics, $3 a tag for the emails (first statement only). Each artist: 4 platforms x $2 days of
-- metrics (only inside existing partitions), 60 insights, 80 tasks, 40 achievements, 120
-- notifications; enough rows per artist, and across artists, for the planner to choose real plans.
CREATE TEMP TABLE audit_seed ON COMMIT DROP AS
SELECT $1::int AS artists, $2::int AS days, $3::text AS tag;

CREATE TEMP TABLE audit_seed_artists ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, g AS n FROM audit_seed s, generate_series(1, s.artists) g;

INSERT INTO auth.users (id, email, aud, role, created_at, updated_at)
SELECT a.id, format('seed-%s-%s@dreamdb-audit.invalid', s.tag, a.n), 'authenticated', 'authenticated', now(), now()
FROM audit_seed_artists a, audit_seed s;

INSERT INTO public.artists (id, email, name, username, genre, career_stage, last_active)
SELECT a.id, format('seed-%s-%s@dreamdb-audit.invalid', s.tag, a.n), format('Seed Artist %s', a.n), format('seed_%s_%s', s.tag, a.n),
       (ARRAY['pop', 'rock', 'hiphop', 'electronic'])[1 + a.n % 4], (ARRAY['emerging', 'developing', 'established'])[1 + a.n % 3],
       now() - (a.n % 48) * interval '1 hour'
FROM audit_seed_artists a, audit_seed s;

INSERT INTO public.metrics (artist_id, platform, metric_date, followers, engagement_rate, content_count, total_views, follower_growth, follower_growth_rate)
SELECT a.id, p.platform, d::date, 1000 + a.n * 10 + (current_date - d::date), 2.5, 10, 10000, 5, 0.5
FROM audit_seed_artists a
CROSS JOIN (VALUES ('instagram'), ('spotify'), ('youtube'), ('tiktok')) AS p(platform)
CROSS JOIN audit_seed s
CROSS JOIN LATERAL generate_series(current_date - (s.days - 1), current_date, interval '1 day') AS d
WHERE EXISTS (
  SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'public.metrics'::regclass
    AND d::date >= substring(pg_get_expr(c.relpartbound, c.oid) FROM $$FROM \('([0-9-]+)'\)$$)::date
    AND d::date < substring(pg_get_expr(c.relpartbound, c.oid) FROM $$TO \('([0-9-]+)'\)$$)::date);

INSERT INTO public.insights (artist_id, type, title, description, priority, status, created_at)
SELECT a.id, (ARRAY['brand', 'content', 'audience', 'growth', 'monetization'])[1 + g % 5], format('Insight %s', g), 'Seeded insight',
       (ARRAY['high', 'medium', 'low'])[1 + g % 3], CASE WHEN g % 4 = 0 THEN 'unread' ELSE 'read' END, now() - g * interval '7 hours'
FROM audit_seed_artists a CROSS JOIN generate_series(1, 60) g;

INSERT INTO public.tasks (artist_id, title, category, difficulty, impact_score, due_date, completed, created_at)
SELECT a.id, format('Task %s', g), 'content', 'medium', 1 + g % 10, current_date + (g % 20) - 5, g % 3 = 0, now() - g * interval '5 hours'
FROM audit_seed_artists a CROSS JOIN generate_series(1, 80) g;

INSERT INTO public.achievements (artist_id, type, name, points_awarded, tier, unlocked_at)
SELECT a.id, 'badge', format('Badge %s', g), 10 * g, 'bronze', now() - g * interval '3 days'
FROM audit_seed_artists a CROSS JOIN generate_series(1, 40) g;

INSERT INTO public.notifications (artist_id, type, title, body, opened, scheduled_for, created_at)
SELECT a.id, 'system', format('Notification %s', g), 'Seeded', g % 3 <> 0, now() - g * interval '2 hours', now() - g * interval '2 hours'
FROM audit_seed_artists a CROSS JOIN generate_series(1, 120) g
