/**
 * A database with the Supabase-compatible base, a metrics table of the contracted shape (its own
 * copy, so these tests do not depend on the rest of the schema) and the partitions migration.
 */
import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../src/db/connect.js';

export const PARTITIONS_MIGRATION = 'sql/migrations/20261125100100_metrics_partitions.sql';

export const METRICS_FIXTURE = `
create table public.artists (id uuid primary key default gen_random_uuid(), name text);
create table public.metrics (
  id uuid not null default gen_random_uuid(),
  artist_id uuid not null references public.artists (id) on delete cascade,
  platform text not null check (platform in ('instagram', 'spotify', 'youtube', 'tiktok', 'apple_music')),
  metric_date date not null,
  followers bigint default 0,
  engagement_rate numeric default 0,
  content_count bigint default 0,
  total_views bigint default 0,
  platform_metrics jsonb default '{}',
  follower_growth bigint default 0,
  follower_growth_rate numeric default 0,
  data_quality_score numeric default 1.0,
  collection_method text default 'api',
  created_at timestamptz default now(),
  primary key (id, metric_date),
  unique (artist_id, platform, metric_date)
) partition by range (metric_date);
create index metrics_artist_date_idx on public.metrics (artist_id, metric_date desc);
create index metrics_platform_date_idx on public.metrics (platform, metric_date desc);
create index metrics_growth_idx on public.metrics (follower_growth_rate) where follower_growth_rate <> 0;
alter table public.metrics enable row level security;
alter table public.metrics force row level security;
revoke all on public.metrics from anon, authenticated, service_role;
grant select on public.metrics to authenticated;
create policy metrics_select_own on public.metrics for select to authenticated using (artist_id = (select auth.uid()));
alter publication supabase_realtime add table public.metrics;
alter publication supabase_realtime set (publish_via_partition_root = true);
`;

export async function installPartitionsFixture(sql: Sql): Promise<void> {
  await sql.unsafe(await fs.readFile('sql/base/supabase.sql', 'utf8')).simple();
  await sql.unsafe(METRICS_FIXTURE).simple();
  await sql.unsafe(await fs.readFile(PARTITIONS_MIGRATION, 'utf8')).simple();
}

export async function addArtists(sql: Sql, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await sql`insert into public.artists ${sql(ids.map((id) => ({ id, name: `artist ${id.slice(0, 8)}` })))}`;
  return ids;
}

/** Inserts one metrics row per date (cycling artists and platforms); returns the ids. */
export async function insertMetrics(sql: Sql, artists: readonly string[], dates: readonly string[]): Promise<string[]> {
  const platforms = ['instagram', 'spotify', 'youtube', 'tiktok', 'apple_music'];
  const rows = dates.map((metric_date, i) => ({
    id: randomUUID(),
    artist_id: artists[i % artists.length]!,
    platform: platforms[Math.floor(i / artists.length) % platforms.length]!,
    metric_date,
    followers: i,
  }));
  if (rows.length > 0) await sql`insert into public.metrics ${sql(rows)}`;
  return rows.map((r) => r.id);
}

export async function partitionStates(sql: Sql): Promise<Record<string, string>> {
  const rows = await sql<
    { table_name: string; state: string }[]
  >`select table_name, state from dreamdb.metrics_partitions()`;
  return Object.fromEntries(rows.map((r) => [r.table_name, r.state]));
}

export function thisYear(): number {
  return new Date().getUTCFullYear();
}
