/**
 * get_dashboard_summary: the caller's own dashboard in one call, each section in the right order
 * and size, and nothing of anyone else's.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, type Actor } from '../../src/db/impersonate.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let erin: Actor;
let frank: Actor;
let newbie: Actor;
const frankIds: string[] = [];

interface Dashboard {
  metrics: Array<{ platform: string; followers: number; growth_rate: number; last_updated: string }>;
  recent_insights: Array<{ id: string; type: string; title: string; priority: string; created_at: string }>;
  pending_tasks: Array<{ id: string; title: string; due_date: string | null; impact_score: number }>;
  recent_achievements: Array<{ id: string; name: string; type: string; points_awarded: number; unlocked_at: string }>;
  total_points: number;
  streak_count: number;
}

async function authUser(name: string): Promise<Actor> {
  const id = randomUUID();
  const email = `${name}@example.test`;
  await db.sql`insert into auth.users (id, email, aud, role) values (${id}, ${email}, 'authenticated', 'authenticated')`;
  await db.sql`insert into public.artists (id, email, name) values (${id}, ${email}, ${name})`;
  return { role: 'authenticated', sub: id, email };
}

const dashboard = async (actor: Actor, artistId?: string): Promise<Dashboard | null> =>
  asUser(
    db.sql,
    actor,
    async (tx) => {
      const [row] =
        artistId === undefined
          ? await tx`select public.get_dashboard_summary() as d`
          : await tx`select public.get_dashboard_summary(${artistId}) as d`;
      return row!.d as Dashboard | null;
    },
    { readOnly: true, method: 'GET', path: '/rpc/get_dashboard_summary' },
  );

/** YYYY-MM-DD of current_date - n, by the server's calendar. */
async function day(n: number): Promise<string> {
  const [row] = await db.sql<{ d: string }[]>`select (current_date - ${n}::int)::text as d`;
  return row!.d;
}

interface PendingTask {
  id: string;
  title: string;
  impact: number;
  due: number | null;
}
const pending: PendingTask[] = [];

beforeAll(async () => {
  db = await migratedDatabase('dash');
  erin = await authUser('erin');
  frank = await authUser('frank');
  newbie = await authUser('newbie');
  const e = erin.sub!;

  // metrics: spotify daily (latest today), instagram up to 3 days ago, tiktok only 7 days ago
  // (still in the window), youtube only 9 days ago (out of it).
  for (let d = 0; d < 10; d++) {
    await db.sql`insert into public.metrics (artist_id, platform, metric_date, followers, follower_growth_rate)
                 values (${e}, 'spotify', current_date - ${d}::int, ${1000 - d}, ${d + 0.5})`;
    await db.sql`insert into public.metrics (artist_id, platform, metric_date, followers)
                 values (${e}, 'instagram', current_date - ${d + 3}::int, ${500 - d})`;
  }
  await db.sql`insert into public.metrics (artist_id, platform, metric_date, followers) values (${e}, 'tiktok', current_date - 7, 70)`;
  await db.sql`insert into public.metrics (artist_id, platform, metric_date, followers) values (${e}, 'youtube', current_date - 9, 90)`;

  // insights: 7 unread an hour apart, and 2 newer ones already read.
  for (let i = 1; i <= 7; i++) {
    await db.sql`insert into public.insights (artist_id, type, title, created_at)
                 values (${e}, 'growth', ${'unread ' + i}, now() - ${i + ' hours'}::interval)`;
  }
  await db.sql`insert into public.insights (artist_id, type, title, status) values (${e}, 'brand', 'read 1', 'read'), (${e}, 'brand', 'read 2', 'dismissed')`;

  // pending tasks (impact, due in days from today or null), one overdue, some completed.
  const specs: Array<[number, number | null]> = [
    [10, 5],
    [10, 1],
    [10, null],
    [9, null],
    [9, 0],
    [8, 3],
    [7, 2],
    [7, 2],
    [6, null],
    [5, 1],
    [4, 1],
    [3, null],
    [2, 9],
  ];
  for (const [k, [impact, due]] of specs.entries()) {
    const [row] = await db.sql<{ id: string }[]>`
      insert into public.tasks (artist_id, title, impact_score, due_date)
      values (${e}, ${'task ' + k}, ${impact}, current_date + ${due}::int) returning id`;
    pending.push({ id: row!.id, title: 'task ' + k, impact, due });
  }
  await db.sql`insert into public.tasks (artist_id, title, impact_score, due_date) values (${e}, 'overdue', 10, current_date - 1)`;
  // completions: today, yesterday, 2 days ago, 4 days ago; a non-streak task 3 days ago does not bridge.
  for (const d of [0, 1, 2, 4]) {
    await db.sql`insert into public.tasks (artist_id, title, impact_score, completed, completed_at)
                 values (${e}, ${'done ' + d}, 10, true, (current_date - ${d}::int) + time '12:00')`;
  }
  await db.sql`insert into public.tasks (artist_id, title, completed, completed_at, streak_applicable)
               values (${e}, 'done 3', true, (current_date - 3) + time '12:00', false)`;

  // achievements: 7 within 30 days, 2 older.
  for (let i = 0; i < 7; i++) {
    await db.sql`insert into public.achievements (artist_id, type, name, points_awarded, unlocked_at)
                 values (${e}, 'badge', ${'badge ' + i}, ${10 * i + 1}, now() - ${i + ' days'}::interval)`;
  }
  await db.sql`insert into public.achievements (artist_id, type, name, points_awarded, unlocked_at)
               values (${e}, 'milestone', 'old 1', 1000, now() - interval '40 days'), (${e}, 'milestone', 'old 2', 1000, now() - interval '60 days')`;

  // frank: newer and bigger than everything of erin's, so a leak would show at the top.
  const f = frank.sub!;
  for (const q of [
    db.sql<
      { id: string }[]
    >`insert into public.insights (artist_id, type, title) values (${f}, 'growth', 'frank insight') returning id`,
    db.sql<
      { id: string }[]
    >`insert into public.tasks (artist_id, title, impact_score) values (${f}, 'frank task', 10) returning id`,
    db.sql<
      { id: string }[]
    >`insert into public.achievements (artist_id, type, name, points_awarded) values (${f}, 'badge', 'frank badge', 99999) returning id`,
    db.sql<
      { id: string }[]
    >`insert into public.metrics (artist_id, platform, metric_date, followers) values (${f}, 'apple_music', current_date, 5) returning id`,
  ]) {
    frankIds.push((await q)[0]!.id);
  }
  await db.sql`insert into public.tasks (artist_id, title, completed, completed_at) values (${f}, 'frank done', true, now())`;
});
afterAll(async () => db?.drop());

describe('get_dashboard_summary for the caller', () => {
  let d: Dashboard;
  beforeAll(async () => {
    d = (await dashboard(erin))!;
  });

  it('has exactly the dashboard sections', () => {
    expect(Object.keys(d).sort()).toEqual([
      'metrics',
      'pending_tasks',
      'recent_achievements',
      'recent_insights',
      'streak_count',
      'total_points',
    ]);
  });

  it('metrics: the newest row of the last 7 days per platform, by platform', async () => {
    expect(d.metrics).toEqual([
      { platform: 'instagram', followers: 500, growth_rate: 0, last_updated: await day(3) },
      { platform: 'spotify', followers: 1000, growth_rate: 0.5, last_updated: await day(0) },
      { platform: 'tiktok', followers: 70, growth_rate: 0, last_updated: await day(7) },
    ]);
  });

  it('recent_insights: the 5 newest unread, newest first', () => {
    expect(d.recent_insights.map((i) => i.title)).toEqual(['unread 1', 'unread 2', 'unread 3', 'unread 4', 'unread 5']);
    expect(Object.keys(d.recent_insights[0]!).sort()).toEqual(['created_at', 'id', 'priority', 'title', 'type']);
  });

  it('pending_tasks: 10 open, not overdue, by impact then due date (undated last)', () => {
    const expected = [...pending]
      .sort(
        (a, b) =>
          b.impact - a.impact || (a.due ?? Infinity) - (b.due ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
      .slice(0, 10);
    expect(d.pending_tasks.map((t) => t.id)).toEqual(expected.map((t) => t.id));
    expect(d.pending_tasks.map((t) => t.title)).not.toContain('overdue');
    expect(d.pending_tasks.slice(0, 3).map((t) => t.impact_score)).toEqual([10, 10, 10]);
    expect(d.pending_tasks[2]!.due_date).toBeNull();
  });

  it('recent_achievements: the 5 newest of the last 30 days, newest first', () => {
    expect(d.recent_achievements.map((a) => a.name)).toEqual(['badge 0', 'badge 1', 'badge 2', 'badge 3', 'badge 4']);
  });

  it('total_points: every achievement, old ones included', () => {
    expect(d.total_points).toBe([0, 1, 2, 3, 4, 5, 6].reduce((s, i) => s + 10 * i + 1, 0) + 2000);
  });

  it('streak_count: consecutive days with a completed task, ending today', () => {
    expect(d.streak_count).toBe(3);
  });

  it('holds nothing of another artist', () => {
    const text = JSON.stringify(d);
    for (const id of frankIds) expect(text).not.toContain(id);
    expect(text).not.toMatch(/frank|apple_music|99999/);
  });

  it('is the same when the caller passes its own id', async () => {
    expect(await dashboard(erin, erin.sub!)).toEqual(d);
  });
});

describe('get_dashboard_summary for anyone else', () => {
  it("another artist's id gives null", async () => {
    expect(await dashboard(frank, erin.sub!)).toBeNull();
    expect(await dashboard(newbie, erin.sub!)).toBeNull();
  });

  it('a signed-in user without an artist row gets null', async () => {
    const ghost: Actor = { role: 'authenticated', sub: randomUUID() };
    expect(await dashboard(ghost)).toBeNull();
  });

  it("frank's own dashboard is his", async () => {
    const f = (await dashboard(frank))!;
    expect(f.recent_insights.map((i) => i.title)).toEqual(['frank insight']);
    expect(f.total_points).toBe(99999);
    expect(f.streak_count).toBe(1);
  });

  it('a new artist gets empty sections, not nulls', async () => {
    expect(await dashboard(newbie)).toEqual({
      metrics: [],
      recent_insights: [],
      pending_tasks: [],
      recent_achievements: [],
      total_points: 0,
      streak_count: 0,
    });
  });

  it('the server may read any artist’s dashboard', async () => {
    const s = await dashboard({ role: 'service_role' }, erin.sub!);
    expect(s?.streak_count).toBe(3);
    expect(s?.recent_insights).toHaveLength(5);
  });
});

describe('streak_count at its edges', () => {
  const done = async (artist: Actor, daysAgo: number[]) => {
    for (const d of daysAgo) {
      await db.sql`insert into public.tasks (artist_id, title, completed, completed_at)
                   values (${artist.sub!}, ${'done ' + d}, true, (current_date - ${d}::int) + time '08:00')`;
    }
  };

  it('ends yesterday: still counted; two completions on one day are one day', async () => {
    const gina = await authUser('gina');
    await done(gina, [1, 1, 2, 3, 5]);
    expect((await dashboard(gina))!.streak_count).toBe(3);
  });

  it('ended two days ago: 0, however long it was', async () => {
    const hank = await authUser('hank');
    await done(hank, [2, 3, 4, 5]);
    expect((await dashboard(hank))!.streak_count).toBe(0);
  });

  it('a long streak is counted to its first day', async () => {
    const ivy = await authUser('ivy');
    await done(ivy, [...Array.from({ length: 40 }, (_, i) => i), 41, 42]);
    expect((await dashboard(ivy))!.streak_count).toBe(40);
  });
});
