/**
 * The generated module, compiled by the real TypeScript compiler against the installed
 * supabase-js: strict mode accepts it, the app's legitimate queries type-check, and writes the
 * database would refuse (billing columns, server-written tables, a platform that does not exist)
 * fail at compile time. `@ts-expect-error` makes tsc fail when an expected error does not happen;
 * the last test proves the harness notices that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { compile, generate } from './helpers.js';

let db: TestDatabase;
let module: string;

beforeAll(async () => {
  db = await migratedDatabase('typegen_compile');
  module = (await generate(db.sql)).text;
});
afterAll(async () => {
  await db?.drop();
});

const APP = `
import { createClient } from '@supabase/supabase-js';
import type { Database, DashboardSummary, ServiceDatabase, Tables, TablesInsert, TablesUpdate } from './database';

const supabase = createClient<Database>('http://127.0.0.1:54321', 'anon-key');
const server = createClient<ServiceDatabase>('http://127.0.0.1:54321', 'service-key');
declare const artist_id: string;
declare const task_id: string;

type Platform = 'instagram' | 'spotify' | 'youtube' | 'tiktok' | 'apple_music';

export async function legitimate() {
  await supabase.from('artists').insert({ id: artist_id, email: 'a@example.test', name: 'A', career_stage: 'emerging' });
  await supabase.from('artists').update({ bio: 'hi', push_token: 'tok', last_active: new Date().toISOString() }).eq('id', artist_id);
  await supabase.from('tasks').insert({ title: 'x', artist_id });
  await supabase.from('tasks').insert({ title: 'y', category: 'content', difficulty: 'hard', impact_score: 8 });
  await supabase.from('tasks').update({ completed: true, completion_notes: 'done' }).eq('id', task_id);
  await supabase.from('tasks').delete().eq('id', task_id);
  await supabase.from('content').insert({ content_type: 'video', platform: 'tiktok', title: 'clip' });
  await supabase.from('insights').update({ status: 'read', read_at: new Date().toISOString() }).eq('artist_id', artist_id);
  await supabase.from('notifications').update({ opened: true }).eq('artist_id', artist_id);
  await supabase.from('artist_activity_log').insert({ activity_type: 'app_open' });

  const { data: metrics } = await supabase.from('metrics').select('platform, followers, metric_date').eq('artist_id', artist_id);
  const platform: Platform | undefined = metrics?.[0]?.platform;
  const followers: number | undefined = metrics?.[0]?.followers;
  const { data: tasks } = await supabase.from('tasks').select('id, title, insights(title, priority)');
  const { data: connections } = await supabase.from('platform_connections').select('id, platform, sync_status, last_sync');

  const { data: dashboard } = await supabase.rpc('get_dashboard_summary');
  const summary: DashboardSummary | null = dashboard;
  const first: Platform | undefined = summary?.metrics[0]?.platform;
  const due: string | null | undefined = summary?.pending_tasks[0]?.due_date;
  const points: number | undefined = summary?.total_points;
  await supabase.rpc('get_dashboard_summary', { p_artist_id: artist_id });
  const { data: streak } = await supabase.rpc('calculate_growth_streak', { p_artist_id: artist_id, p_platform: 'spotify' });
  const days: number | null = streak;
  await supabase.rpc('update_artist_activity', { p_artist_id: artist_id, p_activity_type: 'app_open' });

  const row: Tables<'tasks'> | undefined = undefined;
  const insert: TablesInsert<'tasks'> = { title: 'z' };
  const update: TablesUpdate<'artists'> = { name: 'B' };

  // The server may do what the app may not.
  await server.from('metrics').insert({ artist_id, platform: 'spotify', metric_date: '2026-01-01', followers: 10 });
  await server.from('artists').update({ subscription_tier: 'premium', subscription_status: 'active', stripe_customer_id: 'cus_1' }).eq('id', artist_id);
  await server.from('tasks').update({ points_reward: 50, ai_generated: true }).eq('id', task_id);
  await server.from('achievements').insert({ artist_id, type: 'streak', name: 'Seven days' });
  const { data: tokens } = await server.from('platform_connections').select('access_token_encrypted, refresh_token_encrypted');

  return [platform, followers, tasks, connections, first, due, points, days, row, insert, update, tokens];
}

export async function refused() {
  // @ts-expect-error subscription_tier is billing, written by the server only
  await supabase.from('artists').insert({ id: artist_id, email: 'a@example.test', name: 'A', subscription_tier: 'premium' });
  // @ts-expect-error subscription_status is billing
  await supabase.from('artists').update({ subscription_status: 'active' }).eq('id', artist_id);
  // @ts-expect-error stripe_customer_id is billing
  await supabase.from('artists').update({ stripe_customer_id: 'cus_1' }).eq('id', artist_id);
  // @ts-expect-error platform flags are set by the server when it connects a platform
  await supabase.from('artists').update({ spotify_connected: true }).eq('id', artist_id);
  // @ts-expect-error not a platform Dream Suite knows
  await supabase.from('content').insert({ content_type: 'video', platform: 'myspace' });
  // @ts-expect-error not a platform, for the server either
  await server.from('metrics').insert({ artist_id, platform: 'myspace', metric_date: '2026-01-01' });
  // @ts-expect-error not a content type
  await supabase.from('content').insert({ content_type: 'hologram' });
  // @ts-expect-error metrics are written by the server
  await supabase.from('metrics').insert({ artist_id, platform: 'spotify', metric_date: '2026-01-01' });
  // @ts-expect-error achievements are awarded by the server
  await supabase.from('achievements').insert({ artist_id, type: 'badge', name: 'Self-awarded' });
  // @ts-expect-error points are the server's
  await supabase.from('tasks').insert({ title: 'x', points_reward: 1000000 });
  // @ts-expect-error completion time is the server's clock
  await supabase.from('tasks').update({ completed_at: '2020-01-01T00:00:00Z' }).eq('id', task_id);
  // @ts-expect-error an insight's text is the AI's
  await supabase.from('insights').update({ title: 'fake' }).eq('artist_id', artist_id);
  // @ts-expect-error the push pipeline's columns
  await supabase.from('notifications').update({ push_sent: false }).eq('artist_id', artist_id);
  // @ts-expect-error tokens are never readable by the app
  type Token = Tables<'platform_connections'>['access_token_encrypted'];
  // @ts-expect-error partitions are not the API's names
  await supabase.from('metrics_y2026').select('id');
  // @ts-expect-error trigger functions cannot be called
  await supabase.rpc('update_updated_at_column');
  // @ts-expect-error platform is a union, not any string
  const platform: Tables<'metrics'>['platform'] = 'myspace';
  return platform as unknown as Token;
}
`;

describe('the generated module', () => {
  it('compiles on its own with strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes', async () => {
    const result = await compile({ 'database.ts': module }, { exactOptionalPropertyTypes: true, skipLibCheck: false });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it("lets supabase-js accept the app's queries and reject, at compile time, what the database refuses", async () => {
    const result = await compile({ 'database.ts': module, 'app.ts': APP });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('fails against Supabase-style types that let the client write every column (the errors come from the generated types)', async () => {
    // Database replaced by the full, server-side types: the protected writes now compile, so their
    // expect-error directives are unused, which tsc reports as TS2578 at those lines.
    const permissive =
      module.replace('export type Database = {', 'type ClientDatabase = {') +
      'export type Database = ServiceDatabase\n';
    const result = await compile({ 'database.ts': permissive, 'app.ts': APP });
    expect(result.code).not.toBe(0);
    const unused = [...result.output.matchAll(/app\.ts\((\d+),\d+\): error TS2578/g)].map((m) => Number(m[1]));
    const lineOf = (text: string) => APP.split('\n').findIndex((l) => l.includes(text)) + 1;
    for (const text of [
      "subscription_tier: 'premium' });",
      "update({ stripe_customer_id: 'cus_1' })",
      "supabase.from('metrics').insert",
      'points_reward: 1000000',
      "access_token_encrypted']",
    ]) {
      expect(unused, text).toContain(lineOf(text) - 1);
    }
    // A platform that does not exist stays an error either way.
    expect(unused).not.toContain(lineOf("platform: 'myspace' });") - 1);
  });

  it('a valid line marked @ts-expect-error fails the compile (the harness can fail)', async () => {
    const app = `import { createClient } from '@supabase/supabase-js';
import type { Database } from './database';
const supabase = createClient<Database>('http://127.0.0.1:54321', 'anon-key');
export async function f() {
  // @ts-expect-error this insert is fine, so tsc must complain about this directive
  await supabase.from('tasks').insert({ title: 'x' });
}
`;
    const result = await compile({ 'database.ts': module, 'app.ts': app });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/app\.ts\(5,3\).*TS2578/);
  });
});
