/**
 * The schema's shape, read from the catalog: the draft's names, the partitioned metrics table,
 * RLS everywhere, policy hygiene, indexed foreign keys, wide counters, fixed search_path,
 * realtime membership, and a migration that runs without warnings.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { createTestDatabase, migratedDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await migratedDatabase('struct');
});
afterAll(async () => db?.drop());

const TABLES = [
  'achievements',
  'artist_activity_log',
  'artists',
  'content',
  'insights',
  'metrics',
  'notifications',
  'platform_connections',
  'tasks',
];

// Every column the draft (shared/seed/000_861589ef5873f034.txt) names, so the app keeps working.
const DRAFT_COLUMNS: Record<string, string[]> = {
  artists: [
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
  platform_connections: [
    'id',
    'artist_id',
    'platform',
    'access_token_encrypted',
    'refresh_token_encrypted',
    'expires_at',
    'platform_user_id',
    'platform_username',
    'permissions',
    'connected_at',
    'last_sync',
    'sync_status',
  ],
  metrics: [
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
  insights: [
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
  tasks: [
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
  achievements: [
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
  content: [
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
  notifications: [
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
  artist_activity_log: ['id', 'artist_id', 'activity_type', 'occurred_at'],
};

// Added by the offline-sync migration: server-assigned updated_at and a row version on every
// synced table (docs/sync.md); artists already had updated_at.
const SYNC_COLUMNS: Record<string, string[]> = {
  artists: ['version'],
  ...Object.fromEntries(
    ['platform_connections', 'metrics', 'insights', 'tasks', 'achievements', 'content', 'notifications'].map(
      (t): [string, string[]] => [t, ['updated_at', 'version']],
    ),
  ),
};

describe('tables', () => {
  it('are the draft’s tables plus artist_activity_log, with the draft’s column names (and the sync columns)', async () => {
    const rows = await db.sql<{ table: string; columns: string[] }[]>`
      select c.relname as table, array_agg(a.attname::text order by a.attnum) as columns
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      group by 1 order by 1`;
    expect(rows.map((r) => r.table)).toEqual(TABLES);
    for (const { table, columns } of rows)
      expect(columns).toEqual([...DRAFT_COLUMNS[table]!, ...(SYNC_COLUMNS[table] ?? [])]);
  });

  it('artists.id is the auth user id', async () => {
    const [fk] = await db.sql`
      select confrelid::regclass::text as target, confdeltype as on_delete
      from pg_constraint where conrelid = 'public.artists'::regclass and contype = 'f'`;
    expect(fk).toEqual({ target: 'auth.users', on_delete: 'c' });
  });

  it('metrics is range-partitioned by metric_date with a primary key that includes it', async () => {
    const [row] = await db.sql`
      select pg_get_partkeydef('public.metrics'::regclass) as partkey,
             (select pg_get_constraintdef(oid) from pg_constraint where conrelid = 'public.metrics'::regclass and contype = 'p') as pk,
             (select array_agg(pg_get_constraintdef(oid)) from pg_constraint where conrelid = 'public.metrics'::regclass and contype = 'u') as uniques`;
    expect(row).toEqual({
      partkey: 'RANGE (metric_date)',
      pk: 'PRIMARY KEY (id, metric_date)',
      uniques: ['UNIQUE (artist_id, platform, metric_date)'],
    });
  });

  it('uses core gen_random_uuid, not uuid-ossp', async () => {
    const rows = await db.sql`
      select c.relname, a.attname from pg_attrdef d
      join pg_class c on c.oid = d.adrelid join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where n.nspname = 'public' and pg_get_expr(d.adbin, d.adrelid) like '%uuid_generate%'`;
    expect(rows).toEqual([]);
  });

  it('counters are bigint, rates and scores numeric with range checks', async () => {
    const rows = await db.sql<{ col: string; type: string }[]>`
      select c.relname || '.' || a.attname as col, format_type(a.atttypid, a.atttypmod) as type
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition and a.attnum > 0
        and a.attname in ('followers', 'content_count', 'total_views', 'follower_growth', 'views', 'likes', 'comments',
                          'shares', 'share_count', 'file_size', 'engagement_rate', 'follower_growth_rate',
                          'data_quality_score', 'confidence_score', 'performance_prediction')
      order by 1`;
    const types = Object.fromEntries(rows.map((r) => [r.col, r.type]));
    expect(types).toEqual({
      'achievements.share_count': 'bigint',
      'content.comments': 'bigint',
      'content.engagement_rate': 'numeric(9,4)',
      'content.file_size': 'bigint',
      'content.likes': 'bigint',
      'content.performance_prediction': 'numeric(4,3)',
      'content.shares': 'bigint',
      'content.views': 'bigint',
      'insights.confidence_score': 'numeric(4,3)',
      'metrics.content_count': 'bigint',
      'metrics.data_quality_score': 'numeric(4,3)',
      'metrics.engagement_rate': 'numeric(9,4)',
      'metrics.follower_growth': 'bigint',
      'metrics.follower_growth_rate': 'numeric(9,4)',
      'metrics.followers': 'bigint',
      'metrics.total_views': 'bigint',
    });
  });
});

describe('indexes', () => {
  it('every foreign key leads an index (full, or partial only on the key being NOT NULL)', async () => {
    const rows = await db.sql`
      select con.conrelid::regclass::text as tbl, con.conname
      from pg_constraint con join pg_namespace n on n.oid = con.connamespace
      where con.contype = 'f' and n.nspname = 'public' and con.conparentid = 0
        and not exists (
          select 1 from pg_index i
          where i.indrelid = con.conrelid
            -- a "key IS NOT NULL" predicate still serves the FK lookups (key = value).
            and (i.indpred is null or pg_get_expr(i.indpred, i.indrelid) ~ '^\\(\\w+ IS NOT NULL\\)$')
            and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
            and (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey)`;
    expect(rows).toEqual([]);
  });

  it('the mobile queries have their indexes, with predicates that do not read the clock', async () => {
    const rows = await db.sql<{ name: string; def: string }[]>`
      select indexname as name, indexdef as def from pg_indexes
      where schemaname = 'public' and indexname like 'idx\\_%' and tablename not like 'metrics\\_y%'`;
    const names = rows.map((r) => r.name);
    for (const wanted of [
      'idx_insights_unread',
      'idx_tasks_pending',
      'idx_notifications_unread',
      'idx_achievements_artist_unlocked',
      'idx_metrics_artist_date',
      'idx_tasks_completed_recent',
    ]) {
      expect(names).toContain(wanted);
    }
    for (const { def } of rows) expect(def).not.toMatch(/now\(\)|current_date|current_timestamp|CURRENT_DATE/i);
  });

  it('metrics indexes live on the parent and reach every partition', async () => {
    const rows = await db.sql<{ partition: string; n: number }[]>`
      select c.relname as partition, count(i.indexrelid)::int as n
      from pg_inherits h join pg_class c on c.oid = h.inhrelid
      left join pg_index i on i.indrelid = c.oid
      where h.inhparent = 'public.metrics'::regclass group by 1`;
    const [parent] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from pg_index where indrelid = 'public.metrics'::regclass`;
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) expect(r.n).toBe(parent!.n);
  });
});

describe('row level security', () => {
  it('is enabled and forced on every table in public, partitions included', async () => {
    const rows = await db.sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not (c.relrowsecurity and c.relforcerowsecurity)`;
    expect(rows).toEqual([]);
  });

  it('no API role can reach a metrics partition directly', async () => {
    const rows = await db.sql`
      select c.relname, r.role from pg_inherits h join pg_class c on c.oid = h.inhrelid
      cross join (values ('anon'), ('authenticated'), ('service_role')) r(role)
      where h.inhparent = 'public.metrics'::regclass
        and (has_table_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
             or has_any_column_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE'))`;
    expect(rows).toEqual([]);
  });

  it('every policy is TO authenticated, per command (no FOR ALL), never (true)', async () => {
    const rows = await db.sql`
      select tablename, policyname, roles::text[] as roles, cmd, qual, with_check from pg_policies
      where schemaname = 'public'
        and (roles::text[] <> '{authenticated}' or cmd = 'ALL'
             or coalesce(qual, '') ~* '^\\(?true\\)?$' or coalesce(with_check, '') ~* '^\\(?true\\)?$')`;
    expect(rows).toEqual([]);
  });

  it('every policy scopes by the caller with auth.uid() wrapped in a subquery', async () => {
    const rows = await db.sql<{ tablename: string; policyname: string; expr: string }[]>`
      select tablename, policyname, concat_ws(' ', qual, with_check) as expr from pg_policies where schemaname = 'public'`;
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const { tablename, policyname, expr } of rows) {
      expect(expr, `${tablename}: ${policyname}`).toContain('( SELECT auth.uid() AS uid)');
      expect(expr.replaceAll('( SELECT auth.uid() AS uid)', ''), `${tablename}: ${policyname}`).not.toContain(
        'auth.uid()',
      );
    }
  });

  it('every table has a policy for authenticated (RLS on and no policy would be a dead table)', async () => {
    const rows = await db.sql<{ relname: string }[]>`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
        and not exists (select 1 from pg_policy p where p.polrelid = c.oid)`;
    expect(rows).toEqual([]);
  });
});

describe('functions', () => {
  it('all fix search_path; only the email trigger is SECURITY DEFINER', async () => {
    const rows = await db.sql<{ fn: string; definer: boolean; config: string[] | null }[]>`
      select p.oid::regprocedure::text as fn, p.prosecdef as definer, p.proconfig as config
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1`;
    expect(rows.map((r) => r.fn)).toEqual([
      'artists_set_email()',
      'calculate_growth_streak(uuid,text)',
      'get_dashboard_summary(uuid)',
      'sync_pull(text,integer)',
      'sync_push(jsonb)',
      'tasks_set_completed_at()',
      'update_artist_activity(uuid,text)',
      'update_updated_at_column()',
    ]);
    for (const r of rows) expect(r.config, r.fn).toEqual(['search_path=""']);
    expect(rows.filter((r) => r.definer).map((r) => r.fn)).toEqual(['artists_set_email()']);
  });
});

describe('realtime', () => {
  it('publishes insights, metrics (via its root), achievements, tasks and notifications', async () => {
    const [pub] = await db.sql`select pubviaroot from pg_publication where pubname = 'supabase_realtime'`;
    expect(pub).toEqual({ pubviaroot: true });
    const rows = await db.sql<{ tablename: string }[]>`
      select tablename from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' order by 1`;
    expect(rows.map((r) => r.tablename)).toEqual(['achievements', 'insights', 'metrics', 'notifications', 'tasks']);
  });
});

describe('the migration', () => {
  it('applies to a fresh database without a notice or warning', async () => {
    const fresh = await createTestDatabase('struct_fresh');
    const notices: string[] = [];
    const sql = connect(fresh.url, { onNotice: (n) => notices.push(`${n.severity}: ${n.message}`) });
    try {
      await sql.unsafe(await fs.readFile('sql/base/supabase.sql', 'utf8')).simple();
      notices.length = 0; // the base's own (e.g. wal_level for the publication) are not this migration's
      const dir = 'sql/migrations';
      const mine = (await fs.readdir(dir)).filter((f) => /^202611251000\d\d_/.test(f)).sort();
      expect(mine.length).toBeGreaterThanOrEqual(1);
      for (const f of mine) await sql.unsafe(await fs.readFile(path.join(dir, f), 'utf8')).simple();
      expect(notices).toEqual([]);
    } finally {
      await sql.end();
      await fresh.drop();
    }
  });
});
