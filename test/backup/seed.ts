/**
 * Rows for backup tests and bench:backup, written with generate_series on the server (src/seed is
 * another engineer's and may not exist yet). Covers every table of the schema, metrics across
 * several yearly partitions (including years the partition migration does not create), storage
 * metadata, identity columns, and awkward values: tabs, newlines, backslashes, quotes, emoji,
 * NULLs, bytea, jsonb, arrays.
 */
import type { Sql } from '../../src/db/connect.js';

export interface SeedOptions {
  artists: number;
  /** Days of metrics per artist and platform, ending today. */
  days: number;
  /** Platforms with metrics per artist (1..4). */
  platforms?: number;
}

export async function seedDatabase(sql: Sql, options: SeedOptions): Promise<void> {
  const platforms = ['instagram', 'spotify', 'youtube', 'tiktok'].slice(0, options.platforms ?? 4);
  const n = options.artists;
  await sql.begin(async (tx) => {
    // Years the metrics span: create the partitions the migration did not (older history).
    await tx`select dreamdb.ensure_metrics_partition(y)
               from generate_series(extract(year from current_date - ${options.days}::int)::int, extract(year from current_date)::int) as y`;
    await tx`
      insert into auth.users (id, aud, role, email, encrypted_password, raw_app_meta_data, raw_user_meta_data, created_at)
      select md5('artist' || i)::uuid, 'authenticated', 'authenticated', 'artist' || i || '@example.com',
             '$2a$10$' || md5(i::text), '{"provider":"email"}', jsonb_build_object('name', 'Artist ' || i, 'n', i),
             timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute'
        from generate_series(1, ${n}::int) as i`;
    await tx`
      insert into public.artists (id, email, name, username, bio, genre, career_stage, subscription_status, subscription_tier,
                                  stripe_customer_id, push_token, last_active, instagram_connected, created_at)
      select md5('artist' || i)::uuid, 'artist' || i || '@example.com',
             case when i % 7 = 0 then E'Tab\\there, "quoted", back\\\\slash ' || i else 'Artist ' || i end,
             'artist_' || i,
             case when i % 5 = 0 then null when i % 3 = 0 then E'line one\\nline two 🎸 ' || i else 'Bio of artist ' || i end,
             (array['pop', 'rock', 'hip-hop', 'jazz'])[1 + i % 4],
             (array['emerging', 'developing', 'established'])[1 + i % 3],
             (array['active', 'inactive', 'trialing'])[1 + i % 3],
             (array['free', 'pro', 'premium'])[1 + i % 3],
             case when i % 2 = 0 then 'cus_' || md5(i::text) end,
             case when i % 4 = 0 then 'ExponentPushToken[' || md5(i::text) || ']' end,
             timestamptz '2025-06-01 12:00:00+00' + i * interval '1 second',
             i % 2 = 0,
             timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute'
        from generate_series(1, ${n}::int) as i`;
    await tx`
      insert into public.platform_connections (artist_id, platform, access_token_encrypted, refresh_token_encrypted, platform_user_id, permissions)
      select md5('artist' || i)::uuid, p, decode(md5(i || p), 'hex'), case when i % 3 = 0 then null else decode(md5(p || i), 'hex') end,
             p || '_' || i, jsonb_build_array('read', p)
        from generate_series(1, ${n}::int) as i, unnest(${platforms}::text[]) as p`;
    await tx`
      insert into public.metrics (artist_id, platform, metric_date, followers, engagement_rate, content_count, total_views,
                                  platform_metrics, follower_growth, follower_growth_rate, data_quality_score, created_at)
      select md5('artist' || i)::uuid, p, current_date - d,
             1000 + i * 10 + (${options.days}::int - d) * 3, round((((i * 31 + d) % 1000) / 100.0)::numeric, 4), d % 50, (i::bigint * 1000 + d) * 7,
             jsonb_build_object('likes', (i * d) % 977, 'source', p),
             3, round(((d % 17) / 10.0)::numeric, 4), 0.9, timestamptz '2025-01-01 00:00:00+00' + d * interval '1 hour'
        from generate_series(1, ${n}::int) as i, unnest(${platforms}::text[]) as p, generate_series(0, ${options.days - 1}::int) as d`;
    await tx`
      insert into public.insights (artist_id, type, title, description, recommendations, priority, status, confidence_score, created_at)
      select md5('artist' || i)::uuid, (array['brand', 'content', 'audience', 'growth', 'monetization'])[1 + k % 5],
             'Insight ' || k || ' for ' || i, case when k % 2 = 0 then E'Post more reels\\tat 7pm' end,
             jsonb_build_array(jsonb_build_object('step', k)), (array['high', 'medium', 'low'])[1 + k % 3],
             (array['unread', 'read', 'actioned'])[1 + k % 3], 0.5, timestamptz '2025-03-01 00:00:00+00' + k * interval '1 day'
        from generate_series(1, ${n}::int) as i, generate_series(1, 5) as k`;
    await tx`
      insert into public.tasks (artist_id, title, category, impact_score, due_date, completed, completed_at, points_reward, created_at)
      select md5('artist' || i)::uuid, 'Task ' || k, (array['content', 'engagement', 'branding'])[1 + k % 3], 1 + k % 10,
             current_date + k, k % 2 = 0, case when k % 2 = 0 then timestamptz '2025-04-01 00:00:00+00' + k * interval '1 day' end,
             10 * k, timestamptz '2025-03-01 00:00:00+00' + k * interval '1 day'
        from generate_series(1, ${n}::int) as i, generate_series(1, 6) as k`;
    await tx`
      insert into public.achievements (artist_id, type, name, points_awarded, tier, unlock_condition, unlocked_at)
      select md5('artist' || i)::uuid, 'milestone', 'Achievement ' || k, 100 * k, (array['bronze', 'silver', 'gold'])[1 + k % 3],
             case when k = 1 then null else jsonb_build_object('followers', 1000 * k) end, timestamptz '2025-05-01 00:00:00+00' + k * interval '1 day'
        from generate_series(1, ${n}::int) as i, generate_series(1, 3) as k`;
    await tx`
      insert into public.content (artist_id, title, content_type, platform, file_url, file_size, views, ai_tags, created_at)
      select md5('artist' || i)::uuid, 'Clip ' || k, 'video', 'tiktok', 'content-uploads/' || md5('artist' || i)::uuid || '/clip' || k || '.mp4',
             1048576 * k, 1000 * k, '["music","live"]', timestamptz '2025-02-01 00:00:00+00' + k * interval '1 day'
        from generate_series(1, ${n}::int) as i, generate_series(1, 4) as k`;
    await tx`
      insert into public.notifications (artist_id, type, title, body, push_sent, opened, scheduled_for, created_at)
      select md5('artist' || i)::uuid, 'insight', 'New insight', E'You have a new insight:\\n"' || k || E'"\\\\', k % 2 = 0, k % 3 = 0,
             timestamptz '2025-06-01 00:00:00+00' + k * interval '1 hour', timestamptz '2025-06-01 00:00:00+00' + k * interval '1 hour'
        from generate_series(1, ${n}::int) as i, generate_series(1, 5) as k`;
    await tx`
      insert into public.artist_activity_log (artist_id, activity_type, occurred_at)
      select md5('artist' || i)::uuid, 'login', timestamptz '2025-06-01 00:00:00+00' + k * interval '1 minute'
        from generate_series(1, ${n}::int) as i, generate_series(1, 3) as k`;
    await tx`
      insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
      values ('avatars', 'avatars', true, 5242880, '{image/jpeg,image/png,image/webp}'),
             ('content-uploads', 'content-uploads', false, 104857600, '{image/*,video/*,audio/*}'),
             ('thumbnails', 'thumbnails', true, 1048576, null)
      on conflict (id) do nothing`;
    await tx`
      insert into storage.objects (bucket_id, name, owner, owner_id, metadata, created_at)
      select 'content-uploads', md5('artist' || i)::uuid || '/clip' || k || '.mp4', md5('artist' || i)::uuid, md5('artist' || i)::uuid::text,
             jsonb_build_object('size', 1048576 * k, 'mimetype', 'video/mp4'), timestamptz '2025-02-01 00:00:00+00' + k * interval '1 day'
        from generate_series(1, ${n}::int) as i, generate_series(1, 2) as k`;
  });
  await sql`analyze`;
}

/** Row counts and a content checksum of every table dreamdb backs up, to compare two databases. */
export async function fingerprint(sql: Sql): Promise<Record<string, { rows: number; md5: string }>> {
  const tables = await sql<{ q: string; schema: string; name: string }[]>`
    select n.nspname || '.' || c.relname as q, n.nspname as schema, c.relname as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r' and (n.nspname = 'public' or (n.nspname, c.relname) in (('storage', 'buckets'), ('storage', 'objects'), ('auth', 'users')))
     order by 1`;
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const t of tables) {
    const [row] = await sql<{ rows: number; md5: string }[]>`
      select count(*)::int as rows, coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as md5
        from ${sql(t.schema)}.${sql(t.name)} as x`;
    out[t.q] = row!;
  }
  return out;
}
