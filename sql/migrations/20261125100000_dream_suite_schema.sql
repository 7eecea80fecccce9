-- The Dream Suite schema: shared/seed/000_861589ef5873f034.txt made runnable and safe.
--
-- One file, so that one transaction takes the database from nothing to the finished, locked-down
-- schema: no committed state ever has a table with Supabase's default grants and no policies.
-- Security model in short (docs/schema.md has the long form):
--   * anon: nothing in this schema.
--   * authenticated: its own rows only (RLS, `(select auth.uid())`), and only the columns a client
--     may write (column privileges); billing, counters, AI output and tokens are server-written.
--   * service_role: the server (BYPASSRLS); plain DML, no TRUNCATE/REFERENCES/TRIGGER.
--   * RLS is enabled and forced everywhere; no policy reads a JWT claim to grant power.
-- metrics is partitioned by year; its partitions come from 20261125100100_metrics_partitions.sql.

-- Objects created from now on in public start closed to the API roles (Supabase's defaults grant
-- them everything); each object below is granted explicitly. PUBLIC's built-in EXECUTE on
-- functions cannot be removed per schema, so every function is also revoked from PUBLIC below.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM anon, authenticated;

-- Tables ----------------------------------------------------------------------------------------

-- An artist is a Supabase Auth user: policies compare auth.uid() with id.
CREATE TABLE public.artists (
  id uuid PRIMARY KEY DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  email text UNIQUE NOT NULL,
  name text NOT NULL,
  username text UNIQUE,
  avatar_url text,
  bio text,
  genre text,
  career_stage text CHECK (career_stage IN ('emerging', 'developing', 'established')),

  -- Subscription and billing: written by the server (Stripe webhooks) only.
  subscription_status text NOT NULL DEFAULT 'inactive'
    CHECK (subscription_status IN ('active', 'inactive', 'cancelled', 'past_due', 'trialing')),
  subscription_tier text NOT NULL DEFAULT 'free' CHECK (subscription_tier IN ('free', 'pro', 'premium')),
  stripe_customer_id text UNIQUE,
  trial_ends_at timestamptz,
  subscription_ends_at timestamptz,

  -- Mobile-specific fields
  push_token text,
  device_id text,
  app_version text,
  last_active timestamptz DEFAULT now(),

  -- Platform connections: set by the server when it connects or disconnects a platform.
  instagram_connected boolean NOT NULL DEFAULT false,
  spotify_connected boolean NOT NULL DEFAULT false,
  youtube_connected boolean NOT NULL DEFAULT false,
  tiktok_connected boolean NOT NULL DEFAULT false,

  -- Settings and preferences
  notifications_enabled boolean NOT NULL DEFAULT true,
  data_collection_enabled boolean NOT NULL DEFAULT true,
  onboarded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Tokens are encrypted by the server and never readable by a client (column privileges below).
CREATE TABLE public.platform_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  platform text NOT NULL CHECK (platform IN ('instagram', 'spotify', 'youtube', 'tiktok', 'apple_music')),

  access_token_encrypted bytea,
  refresh_token_encrypted bytea,
  expires_at timestamptz,

  platform_user_id text,
  platform_username text,
  permissions jsonb NOT NULL DEFAULT '[]',

  connected_at timestamptz NOT NULL DEFAULT now(),
  last_sync timestamptz,
  sync_status text NOT NULL DEFAULT 'active' CHECK (sync_status IN ('active', 'expired', 'revoked', 'error')),

  UNIQUE (artist_id, platform),
  -- One platform account belongs to one artist (only the server writes this column).
  UNIQUE (platform, platform_user_id)
);

-- Daily time series, one row per artist, platform and day; partitioned by year.
CREATE TABLE public.metrics (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,
  platform text NOT NULL CHECK (platform IN ('instagram', 'spotify', 'youtube', 'tiktok', 'apple_music')),
  metric_date date NOT NULL,

  followers bigint NOT NULL DEFAULT 0 CHECK (followers >= 0),
  -- Percent. Not capped at 100: interactions per follower can exceed it on small accounts.
  engagement_rate numeric(9,4) NOT NULL DEFAULT 0 CHECK (engagement_rate >= 0),
  content_count bigint NOT NULL DEFAULT 0 CHECK (content_count >= 0),
  total_views bigint NOT NULL DEFAULT 0 CHECK (total_views >= 0),

  platform_metrics jsonb NOT NULL DEFAULT '{}',

  -- Day-over-day change; a count can fall, a percentage cannot fall below -100.
  follower_growth bigint NOT NULL DEFAULT 0,
  follower_growth_rate numeric(9,4) NOT NULL DEFAULT 0 CHECK (follower_growth_rate >= -100),

  data_quality_score numeric(4,3) NOT NULL DEFAULT 1 CHECK (data_quality_score BETWEEN 0 AND 1),
  collection_method text NOT NULL DEFAULT 'api',

  created_at timestamptz NOT NULL DEFAULT now(),

  PRIMARY KEY (id, metric_date),
  UNIQUE (artist_id, platform, metric_date)
) PARTITION BY RANGE (metric_date);

CREATE TABLE public.insights (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,

  type text NOT NULL CHECK (type IN ('brand', 'content', 'audience', 'growth', 'monetization')),
  title text NOT NULL,
  description text,

  recommendations jsonb NOT NULL DEFAULT '[]',
  action_items jsonb NOT NULL DEFAULT '[]',

  priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),
  status text NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'read', 'actioned', 'dismissed')),

  ai_model text,
  confidence_score numeric(4,3) CHECK (confidence_score BETWEEN 0 AND 1),
  created_by text NOT NULL DEFAULT 'ai',

  read_at timestamptz,
  dismissed_at timestamptz,

  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,

  title text NOT NULL,
  description text,
  category text NOT NULL DEFAULT 'general'
    CHECK (category IN ('content', 'engagement', 'branding', 'business', 'learning', 'networking', 'general')),

  difficulty text NOT NULL DEFAULT 'medium' CHECK (difficulty IN ('easy', 'medium', 'hard')),
  estimated_time integer CHECK (estimated_time > 0), -- minutes
  impact_score integer NOT NULL DEFAULT 5 CHECK (impact_score BETWEEN 1 AND 10),

  due_date date,
  scheduled_for timestamptz,

  completed boolean NOT NULL DEFAULT false,
  completed_at timestamptz, -- set by tasks_set_completed_at, never by a client
  completion_notes text,

  points_reward integer NOT NULL DEFAULT 10 CHECK (points_reward >= 0),
  streak_applicable boolean NOT NULL DEFAULT true,

  ai_generated boolean NOT NULL DEFAULT false,
  parent_insight_id uuid REFERENCES public.insights (id) ON DELETE SET NULL,

  created_at timestamptz NOT NULL DEFAULT now(),

  CHECK (completed OR completed_at IS NULL)
);

CREATE TABLE public.achievements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,

  type text NOT NULL CHECK (type IN ('milestone', 'streak', 'level', 'badge', 'challenge')),
  name text NOT NULL,
  description text,
  icon text,

  points_awarded integer NOT NULL DEFAULT 0 CHECK (points_awarded >= 0),
  tier text NOT NULL DEFAULT 'bronze' CHECK (tier IN ('bronze', 'silver', 'gold', 'platinum')),

  unlock_condition jsonb,

  unlocked_at timestamptz NOT NULL DEFAULT now(),
  progress jsonb NOT NULL DEFAULT '{}',

  shared boolean NOT NULL DEFAULT false,
  share_count bigint NOT NULL DEFAULT 0 CHECK (share_count >= 0)
);

CREATE TABLE public.content (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,

  title text,
  description text,
  content_type text NOT NULL CHECK (content_type IN ('image', 'video', 'audio', 'post', 'story')),
  platform text CHECK (platform IN ('instagram', 'youtube', 'tiktok', 'spotify')),

  file_url text,
  file_size bigint CHECK (file_size >= 0), -- bytes
  file_format text,
  thumbnail_url text,

  -- Measured on the platforms by the server.
  views bigint NOT NULL DEFAULT 0 CHECK (views >= 0),
  likes bigint NOT NULL DEFAULT 0 CHECK (likes >= 0),
  comments bigint NOT NULL DEFAULT 0 CHECK (comments >= 0),
  shares bigint NOT NULL DEFAULT 0 CHECK (shares >= 0),
  engagement_rate numeric(9,4) NOT NULL DEFAULT 0 CHECK (engagement_rate >= 0),

  published boolean NOT NULL DEFAULT false,
  published_at timestamptz,
  scheduled_for timestamptz,

  ai_tags jsonb NOT NULL DEFAULT '[]',
  performance_prediction numeric(4,3) CHECK (performance_prediction BETWEEN 0 AND 1),

  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  artist_id uuid NOT NULL REFERENCES public.artists (id) ON DELETE CASCADE,

  type text NOT NULL CHECK (type IN ('insight', 'achievement', 'task_reminder', 'milestone', 'system')),
  title text NOT NULL,
  body text NOT NULL,

  push_sent boolean NOT NULL DEFAULT false,
  push_sent_at timestamptz,
  push_token_used text,

  opened boolean NOT NULL DEFAULT false,
  opened_at timestamptz,
  action_taken text,

  scheduled_for timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,

  related_entity_type text,
  related_entity_id uuid,

  created_at timestamptz NOT NULL DEFAULT now()
);

-- The draft's update_artist_activity() writes here but never created it. Append-only analytics;
-- the draft's column `timestamp` is named occurred_at (a type name makes a poor column name).
CREATE TABLE public.artist_activity_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  artist_id uuid NOT NULL DEFAULT auth.uid() REFERENCES public.artists (id) ON DELETE CASCADE,
  activity_type text NOT NULL CHECK (char_length(activity_type) BETWEEN 1 AND 64),
  occurred_at timestamptz NOT NULL DEFAULT now()
);

-- Indexes: every foreign key, and the mobile app's queries. No predicate reads the clock. -------

-- artists: the draft's username index duplicated the UNIQUE constraint's and is dropped.
CREATE INDEX idx_artists_subscription_status ON public.artists (subscription_status)
  WHERE subscription_status = 'active';
CREATE INDEX idx_artists_last_active ON public.artists (last_active);

-- platform_connections.artist_id: covered by UNIQUE (artist_id, platform).

-- metrics (created on the parent, so every partition gets them). artist_id is covered by
-- UNIQUE (artist_id, platform, metric_date), which also serves the 30-day series per platform
-- (the draft's idx_artist_dashboard duplicated it).
CREATE INDEX idx_metrics_artist_date ON public.metrics (artist_id, metric_date DESC);
CREATE INDEX idx_metrics_platform_date ON public.metrics (platform, metric_date DESC);
CREATE INDEX idx_metrics_growth ON public.metrics (follower_growth_rate) WHERE follower_growth_rate <> 0;

-- insights: all of an artist's (and the FK), the unread list, by priority.
CREATE INDEX idx_insights_artist_created ON public.insights (artist_id, created_at DESC);
CREATE INDEX idx_insights_unread ON public.insights (artist_id, created_at DESC) WHERE status = 'unread';
CREATE INDEX idx_insights_priority ON public.insights (artist_id, priority, created_at DESC);

-- tasks: all (and the FK), the pending list in dashboard order, completions (streaks).
CREATE INDEX idx_tasks_artist_created ON public.tasks (artist_id, created_at DESC);
CREATE INDEX idx_tasks_pending ON public.tasks (artist_id, impact_score DESC, due_date) WHERE completed = false;
CREATE INDEX idx_tasks_completed_recent ON public.tasks (artist_id, completed_at DESC) WHERE completed = true;
CREATE INDEX idx_tasks_parent_insight ON public.tasks (parent_insight_id) WHERE parent_insight_id IS NOT NULL;

-- achievements: recent first (and the FK).
CREATE INDEX idx_achievements_artist_unlocked ON public.achievements (artist_id, unlocked_at DESC);

-- content: the FK and the artist's list.
CREATE INDEX idx_content_artist_created ON public.content (artist_id, created_at DESC);

-- notifications: the FK, the unread list, the push sender's queue.
CREATE INDEX idx_notifications_artist_created ON public.notifications (artist_id, created_at DESC);
CREATE INDEX idx_notifications_unread ON public.notifications (artist_id, scheduled_for DESC) WHERE opened = false;
CREATE INDEX idx_notifications_pending_push ON public.notifications (scheduled_for) WHERE push_sent = false;

CREATE INDEX idx_artist_activity_log_artist ON public.artist_activity_log (artist_id, occurred_at DESC);

-- Triggers --------------------------------------------------------------------------------------

CREATE FUNCTION public.update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END
$$;

CREATE TRIGGER update_artists_updated_at BEFORE UPDATE ON public.artists
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- An artist's email is its Auth account's email: a client may send it (the app does) but not
-- choose it, so a sign-up can neither claim someone else's address nor use the UNIQUE constraint
-- to ask whether an address is registered. SECURITY DEFINER only to read auth.users.
CREATE FUNCTION public.artists_set_email() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  account_email text;
BEGIN
  SELECT u.email INTO account_email FROM auth.users AS u WHERE u.id = NEW.id;
  IF NEW.email IS NOT NULL AND NEW.email IS DISTINCT FROM account_email THEN
    RAISE EXCEPTION 'artists.email must be the email of your account'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Leave email out; it is taken from your sign-in account.';
  END IF;
  NEW.email := account_email;
  RETURN NEW;
END
$$;

CREATE TRIGGER artists_set_email BEFORE INSERT ON public.artists
  FOR EACH ROW EXECUTE FUNCTION public.artists_set_email();

-- completed_at is the server's clock, so a streak cannot be backdated.
CREATE FUNCTION public.tasks_set_completed_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NOT NEW.completed THEN
    NEW.completed_at := NULL;
  ELSIF TG_OP = 'INSERT' THEN
    NEW.completed_at := coalesce(NEW.completed_at, now());
  ELSIF NOT OLD.completed THEN
    NEW.completed_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER tasks_set_completed_at BEFORE INSERT OR UPDATE OF completed ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.tasks_set_completed_at();

-- Functions the app calls -----------------------------------------------------------------------
-- SECURITY INVOKER: the caller's privileges and RLS decide what they read and write.

-- The mobile dashboard in one round trip. NULL unless the artist is the caller (or the caller is
-- the server); every section is ordered and limited inside its own subquery.
CREATE FUNCTION public.get_dashboard_summary(p_artist_id uuid DEFAULT NULL) RETURNS json
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = '' AS $$
  SELECT json_build_object(
    -- The newest row of the last 7 days per platform.
    'metrics', coalesce((
      SELECT json_agg(json_build_object(
               'platform', m.platform,
               'followers', m.followers,
               'growth_rate', m.follower_growth_rate,
               'last_updated', m.metric_date) ORDER BY m.platform)
      FROM (SELECT DISTINCT ON (mt.platform) mt.platform, mt.followers, mt.follower_growth_rate, mt.metric_date
            FROM public.metrics AS mt
            WHERE mt.artist_id = a.id
              AND mt.metric_date BETWEEN current_date - 7 AND current_date
            ORDER BY mt.platform, mt.metric_date DESC) AS m
    ), '[]'::json),
    'recent_insights', coalesce((
      SELECT json_agg(json_build_object(
               'id', i.id,
               'type', i.type,
               'title', i.title,
               'priority', i.priority,
               'created_at', i.created_at) ORDER BY i.created_at DESC, i.id)
      FROM (SELECT it.id, it.type, it.title, it.priority, it.created_at
            FROM public.insights AS it
            WHERE it.artist_id = a.id AND it.status = 'unread'
            ORDER BY it.created_at DESC, it.id
            LIMIT 5) AS i
    ), '[]'::json),
    'pending_tasks', coalesce((
      SELECT json_agg(json_build_object(
               'id', t.id,
               'title', t.title,
               'due_date', t.due_date,
               'impact_score', t.impact_score) ORDER BY t.impact_score DESC, t.due_date ASC NULLS LAST, t.id)
      FROM (SELECT tk.id, tk.title, tk.due_date, tk.impact_score
            FROM public.tasks AS tk
            WHERE tk.artist_id = a.id
              AND tk.completed = false
              AND (tk.due_date IS NULL OR tk.due_date >= current_date)
            ORDER BY tk.impact_score DESC, tk.due_date ASC NULLS LAST, tk.id
            LIMIT 10) AS t
    ), '[]'::json),
    'recent_achievements', coalesce((
      SELECT json_agg(json_build_object(
               'id', ac.id,
               'name', ac.name,
               'type', ac.type,
               'points_awarded', ac.points_awarded,
               'unlocked_at', ac.unlocked_at) ORDER BY ac.unlocked_at DESC, ac.id)
      FROM (SELECT av.id, av.name, av.type, av.points_awarded, av.unlocked_at
            FROM public.achievements AS av
            WHERE av.artist_id = a.id
              AND av.unlocked_at >= now() - interval '30 days'
            ORDER BY av.unlocked_at DESC, av.id
            LIMIT 5) AS ac
    ), '[]'::json),
    'total_points', (
      SELECT coalesce(sum(av.points_awarded), 0)
      FROM public.achievements AS av
      WHERE av.artist_id = a.id
    ),
    -- Consecutive days, ending today or yesterday, with at least one completed streak task.
    'streak_count', (
      SELECT count(*)
      FROM (SELECT d.day, d.day + (row_number() OVER (ORDER BY d.day DESC))::integer AS island
            FROM (SELECT DISTINCT (tk.completed_at)::date AS day
                  FROM public.tasks AS tk
                  WHERE tk.artist_id = a.id
                    AND tk.completed
                    AND tk.streak_applicable
                    AND tk.completed_at < current_date + 1) AS d) AS s
      WHERE s.island = (SELECT max(tk.completed_at)::date + 1
                        FROM public.tasks AS tk
                        WHERE tk.artist_id = a.id AND tk.completed AND tk.streak_applicable
                          AND tk.completed_at < current_date + 1)
        AND s.island >= current_date
    )
  )
  FROM public.artists AS a
  WHERE a.id = coalesce(p_artist_id, (SELECT auth.uid()))
$$;

-- Marks the caller active and logs what it did. Another artist's id matches no row the caller may
-- update, and raises.
CREATE FUNCTION public.update_artist_activity(p_artist_id uuid, p_activity_type text) RETURNS void
LANGUAGE plpgsql SECURITY INVOKER SET search_path = '' AS $$
BEGIN
  UPDATE public.artists SET last_active = now() WHERE id = p_artist_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no artist % that you may update', p_artist_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO public.artist_activity_log (artist_id, activity_type) VALUES (p_artist_id, p_activity_type);
END
$$;

-- Consecutive days of positive follower growth on one platform, ending at the latest metric day
-- if that day is today or yesterday (gaps and islands: a missing or non-positive day ends it).
CREATE FUNCTION public.calculate_growth_streak(p_artist_id uuid, p_platform text) RETURNS integer
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = '' AS $$
  WITH m AS (
    SELECT mt.metric_date, mt.follower_growth_rate > 0 AS up
    FROM public.metrics AS mt
    WHERE mt.artist_id = p_artist_id AND mt.platform = p_platform AND mt.metric_date <= current_date
  ), latest AS (
    SELECT m.metric_date, m.up FROM m ORDER BY m.metric_date DESC LIMIT 1
  ), run AS (
    SELECT m.metric_date + (row_number() OVER (ORDER BY m.metric_date DESC))::integer AS island
    FROM m WHERE m.up
  )
  SELECT count(*)::integer
  FROM run, latest
  WHERE latest.up
    AND latest.metric_date >= current_date - 1
    AND run.island = latest.metric_date + 1
$$;

-- Row level security -----------------------------------------------------------------------------
-- Enabled and forced on every table (forced: a future SECURITY DEFINER function owned by the
-- migration role does not silently bypass it). service_role has BYPASSRLS and needs no policy;
-- anon has no privileges and no policy. Every policy is TO authenticated and owner-scoped.

ALTER TABLE public.artists ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.artists FORCE ROW LEVEL SECURITY;
ALTER TABLE public.platform_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.platform_connections FORCE ROW LEVEL SECURITY;
ALTER TABLE public.metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.metrics FORCE ROW LEVEL SECURITY;
ALTER TABLE public.insights ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.insights FORCE ROW LEVEL SECURITY;
ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tasks FORCE ROW LEVEL SECURITY;
ALTER TABLE public.achievements ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.achievements FORCE ROW LEVEL SECURITY;
ALTER TABLE public.content ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.content FORCE ROW LEVEL SECURITY;
ALTER TABLE public.notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.notifications FORCE ROW LEVEL SECURITY;
ALTER TABLE public.artist_activity_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.artist_activity_log FORCE ROW LEVEL SECURITY;

-- artists: sign up (own row, free and inactive), read and edit own profile. No delete: deleting
-- the Auth user cascades.
CREATE POLICY "Artists can view own profile" ON public.artists
  FOR SELECT TO authenticated
  USING (id = (SELECT auth.uid()));
CREATE POLICY "Artists can create own profile" ON public.artists
  FOR INSERT TO authenticated
  WITH CHECK (id = (SELECT auth.uid())
              AND subscription_status = 'inactive' AND subscription_tier = 'free'
              AND stripe_customer_id IS NULL AND trial_ends_at IS NULL AND subscription_ends_at IS NULL);
CREATE POLICY "Artists can update own profile" ON public.artists
  FOR UPDATE TO authenticated
  USING (id = (SELECT auth.uid()))
  WITH CHECK (id = (SELECT auth.uid()));

-- platform_connections: read own (token columns excluded by column privileges). Connecting and
-- disconnecting run on the server, which holds the OAuth secrets and tokens.
CREATE POLICY "Artists see own connections" ON public.platform_connections
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));

-- metrics, achievements: read own; written by the server only.
CREATE POLICY "Artists see own metrics" ON public.metrics
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists see own achievements" ON public.achievements
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));

-- insights: written by the AI pipeline; the artist reads them and files them (status columns).
CREATE POLICY "Artists see own insights" ON public.insights
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists file own insights" ON public.insights
  FOR UPDATE TO authenticated
  USING (artist_id = (SELECT auth.uid()))
  WITH CHECK (artist_id = (SELECT auth.uid()));

-- tasks: the artist adds, edits, completes and deletes its own; points, AI flags and completion
-- time are the server's (column privileges).
CREATE POLICY "Artists see own tasks" ON public.tasks
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists add own tasks" ON public.tasks
  FOR INSERT TO authenticated
  WITH CHECK (artist_id = (SELECT auth.uid())
              AND (parent_insight_id IS NULL
                   OR EXISTS (SELECT 1 FROM public.insights AS i
                              WHERE i.id = parent_insight_id AND i.artist_id = (SELECT auth.uid()))));
CREATE POLICY "Artists edit own tasks" ON public.tasks
  FOR UPDATE TO authenticated
  USING (artist_id = (SELECT auth.uid()))
  WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists delete own tasks" ON public.tasks
  FOR DELETE TO authenticated
  USING (artist_id = (SELECT auth.uid()));

-- content: the artist's uploads; measured performance and AI analysis are the server's.
CREATE POLICY "Artists see own content" ON public.content
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists add own content" ON public.content
  FOR INSERT TO authenticated
  WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists edit own content" ON public.content
  FOR UPDATE TO authenticated
  USING (artist_id = (SELECT auth.uid()))
  WITH CHECK (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists delete own content" ON public.content
  FOR DELETE TO authenticated
  USING (artist_id = (SELECT auth.uid()));

-- notifications: read own, mark opened / acted on (column privileges).
CREATE POLICY "Artists see own notifications" ON public.notifications
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists can mark notifications read" ON public.notifications
  FOR UPDATE TO authenticated
  USING (artist_id = (SELECT auth.uid()))
  WITH CHECK (artist_id = (SELECT auth.uid()));

-- artist_activity_log: append own entries (through update_artist_activity), read own.
CREATE POLICY "Artists see own activity" ON public.artist_activity_log
  FOR SELECT TO authenticated
  USING (artist_id = (SELECT auth.uid()));
CREATE POLICY "Artists log own activity" ON public.artist_activity_log
  FOR INSERT TO authenticated
  WITH CHECK (artist_id = (SELECT auth.uid()));

-- Privileges ------------------------------------------------------------------------------------
-- Start from nothing (Supabase grants ALL, including TRUNCATE, to every API role), then grant
-- what each role needs; the column lists are the client-writable columns.

REVOKE ALL ON TABLE public.artists, public.platform_connections, public.metrics, public.insights,
  public.tasks, public.achievements, public.content, public.notifications, public.artist_activity_log
  FROM PUBLIC, anon, authenticated, service_role;
REVOKE ALL ON SEQUENCE public.artist_activity_log_id_seq FROM PUBLIC, anon, authenticated, service_role;

GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.artists, public.platform_connections,
  public.metrics, public.insights, public.tasks, public.achievements, public.content,
  public.notifications, public.artist_activity_log
  TO service_role;

GRANT SELECT ON TABLE public.artists TO authenticated;
GRANT INSERT (id, email, name, username, avatar_url, bio, genre, career_stage, push_token, device_id,
              app_version, notifications_enabled, data_collection_enabled, onboarded_at)
  ON TABLE public.artists TO authenticated;
GRANT UPDATE (name, username, avatar_url, bio, genre, career_stage, push_token, device_id, app_version,
              last_active, notifications_enabled, data_collection_enabled, onboarded_at)
  ON TABLE public.artists TO authenticated;

GRANT SELECT (id, artist_id, platform, expires_at, platform_user_id, platform_username, permissions,
              connected_at, last_sync, sync_status)
  ON TABLE public.platform_connections TO authenticated;

GRANT SELECT ON TABLE public.metrics TO authenticated;
GRANT SELECT ON TABLE public.achievements TO authenticated;

GRANT SELECT ON TABLE public.insights TO authenticated;
GRANT UPDATE (status, read_at, dismissed_at) ON TABLE public.insights TO authenticated;

GRANT SELECT, DELETE ON TABLE public.tasks TO authenticated;
GRANT INSERT (artist_id, title, description, category, difficulty, estimated_time, impact_score,
              due_date, scheduled_for, parent_insight_id)
  ON TABLE public.tasks TO authenticated;
GRANT UPDATE (title, description, category, difficulty, estimated_time, impact_score, due_date,
              scheduled_for, completed, completion_notes)
  ON TABLE public.tasks TO authenticated;

GRANT SELECT, DELETE ON TABLE public.content TO authenticated;
GRANT INSERT (artist_id, title, description, content_type, platform, file_url, file_size, file_format,
              thumbnail_url, published, published_at, scheduled_for)
  ON TABLE public.content TO authenticated;
GRANT UPDATE (title, description, content_type, platform, file_url, file_size, file_format,
              thumbnail_url, published, published_at, scheduled_for)
  ON TABLE public.content TO authenticated;

GRANT SELECT ON TABLE public.notifications TO authenticated;
GRANT UPDATE (opened, opened_at, action_taken) ON TABLE public.notifications TO authenticated;

GRANT SELECT ON TABLE public.artist_activity_log TO authenticated;
GRANT INSERT (artist_id, activity_type) ON TABLE public.artist_activity_log TO authenticated;

-- Functions: EXECUTE is granted to PUBLIC by Postgres and to the API roles by Supabase; take it
-- all back, then grant the three the app calls. Trigger functions are never called directly.
REVOKE ALL ON FUNCTION public.update_updated_at_column(), public.artists_set_email(),
  public.tasks_set_completed_at(), public.get_dashboard_summary(uuid),
  public.update_artist_activity(uuid, text), public.calculate_growth_streak(uuid, text)
  FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.get_dashboard_summary(uuid), public.update_artist_activity(uuid, text),
  public.calculate_growth_streak(uuid, text)
  TO authenticated, service_role;

-- Realtime --------------------------------------------------------------------------------------
-- Postgres Changes reads supabase_realtime and applies each subscriber's RLS. metrics is published
-- under its own name rather than its partitions' (publish_via_partition_root, PG13+). A project
-- whose publication is FOR ALL TABLES already publishes everything.
DO $realtime$
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
  ALTER PUBLICATION supabase_realtime SET (publish_via_partition_root = true);
  IF (SELECT puballtables FROM pg_catalog.pg_publication WHERE pubname = 'supabase_realtime') THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['insights', 'metrics', 'achievements', 'tasks', 'notifications'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication_rel AS pr
                   JOIN pg_catalog.pg_publication AS p ON p.oid = pr.prpubid
                   WHERE p.pubname = 'supabase_realtime'
                     AND pr.prrelid = pg_catalog.format('public.%I', t)::regclass) THEN
      EXECUTE pg_catalog.format('ALTER PUBLICATION supabase_realtime ADD TABLE public.%I', t);
    END IF;
  END LOOP;
END
$realtime$;
