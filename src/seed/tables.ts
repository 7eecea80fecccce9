/** The tables the seed writes, in foreign-key order, with the columns it provides. */
import type { CopyTarget } from './copy.js';

export const AUTH_USER_COLUMNS = [
  'instance_id',
  'id',
  'aud',
  'role',
  'email',
  'encrypted_password',
  'email_confirmed_at',
  'raw_app_meta_data',
  'raw_user_meta_data',
  'created_at',
  'updated_at',
] as const;

/**
 * Supabase Auth (GoTrue) scans these as strings and fails to sign a user in when they are NULL;
 * they exist only on a real Supabase project, and are written as '' there.
 */
export const GOTRUE_EMPTY_STRING_COLUMNS = [
  'confirmation_token',
  'recovery_token',
  'email_change_token_new',
  'email_change',
] as const;

export const ARTISTS: CopyTarget = {
  table: 'public.artists',
  columns: [
    'id',
    'email',
    'name',
    'username',
    'avatar_url',
    'bio',
    'genre',
    'career_stage',
    'subscription_status',
    'subscription_tier',
    'stripe_customer_id',
    'trial_ends_at',
    'subscription_ends_at',
    'push_token',
    'device_id',
    'app_version',
    'last_active',
    'instagram_connected',
    'spotify_connected',
    'youtube_connected',
    'tiktok_connected',
    'notifications_enabled',
    'data_collection_enabled',
    'onboarded_at',
    'created_at',
    'updated_at',
  ],
};

export const PLATFORM_CONNECTIONS: CopyTarget = {
  table: 'public.platform_connections',
  columns: [
    'id',
    'artist_id',
    'platform',
    'platform_user_id',
    'platform_username',
    'permissions',
    'connected_at',
    'last_sync',
    'sync_status',
  ],
};

export const METRICS: CopyTarget = {
  table: 'public.metrics',
  columns: [
    'id',
    'artist_id',
    'platform',
    'metric_date',
    'followers',
    'engagement_rate',
    'content_count',
    'total_views',
    'platform_metrics',
    'follower_growth',
    'follower_growth_rate',
    'data_quality_score',
    'collection_method',
    'created_at',
  ],
};

export const INSIGHTS: CopyTarget = {
  table: 'public.insights',
  columns: [
    'id',
    'artist_id',
    'type',
    'title',
    'description',
    'recommendations',
    'action_items',
    'priority',
    'status',
    'ai_model',
    'confidence_score',
    'created_by',
    'read_at',
    'dismissed_at',
    'created_at',
  ],
};

export const TASKS: CopyTarget = {
  table: 'public.tasks',
  columns: [
    'id',
    'artist_id',
    'title',
    'description',
    'category',
    'difficulty',
    'estimated_time',
    'impact_score',
    'due_date',
    'scheduled_for',
    'completed',
    'completed_at',
    'completion_notes',
    'points_reward',
    'streak_applicable',
    'ai_generated',
    'parent_insight_id',
    'created_at',
  ],
};

export const ACHIEVEMENTS: CopyTarget = {
  table: 'public.achievements',
  columns: [
    'id',
    'artist_id',
    'type',
    'name',
    'description',
    'icon',
    'points_awarded',
    'tier',
    'unlock_condition',
    'unlocked_at',
    'progress',
    'shared',
    'share_count',
  ],
};

export const CONTENT: CopyTarget = {
  table: 'public.content',
  columns: [
    'id',
    'artist_id',
    'title',
    'description',
    'content_type',
    'platform',
    'file_url',
    'file_size',
    'file_format',
    'thumbnail_url',
    'views',
    'likes',
    'comments',
    'shares',
    'engagement_rate',
    'published',
    'published_at',
    'scheduled_for',
    'ai_tags',
    'performance_prediction',
    'created_at',
  ],
};

export const NOTIFICATIONS: CopyTarget = {
  table: 'public.notifications',
  columns: [
    'id',
    'artist_id',
    'type',
    'title',
    'body',
    'push_sent',
    'push_sent_at',
    'push_token_used',
    'opened',
    'opened_at',
    'action_taken',
    'scheduled_for',
    'expires_at',
    'related_entity_type',
    'related_entity_id',
    'created_at',
  ],
};

/** Everything seeded, for counting and checksums. */
export const SEEDED_TABLES = [
  ARTISTS,
  PLATFORM_CONNECTIONS,
  METRICS,
  INSIGHTS,
  TASKS,
  ACHIEVEMENTS,
  CONTENT,
  NOTIFICATIONS,
] as const;
