/**
 * What the app does keeps working under the hardened schema: sign-up, profile, tasks, notifications,
 * insights, content, activity, and the server writing metrics, achievements, billing and tokens.
 * Clients run as impersonated PostgREST requests (asUser).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, type Actor } from '../../src/db/impersonate.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let carol: Actor; // signs up in the first test
let other: Actor;
const server: Actor = { role: 'service_role' };

async function authUser(name: string): Promise<Actor> {
  const id = randomUUID();
  const email = `${name}@example.test`;
  await db.sql`insert into auth.users (id, email, aud, role) values (${id}, ${email}, 'authenticated', 'authenticated')`;
  return { role: 'authenticated', sub: id, email };
}

beforeAll(async () => {
  db = await migratedDatabase('legit');
  carol = await authUser('carol');
  other = await authUser('olga');
  await db.sql`insert into public.artists (id, email, name) values (${other.sub!}, ${other.email!}, 'olga')`;
});
afterAll(async () => db?.drop());

describe('an artist', () => {
  it('signs up with its own row; id and email come from its account', async () => {
    const row = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      insert into public.artists (name, username, genre, career_stage)
      values ('Carol', 'carol', 'jazz', 'emerging')
      returning id, email, name, subscription_tier, subscription_status`
        )[0],
    );
    expect(row).toEqual({
      id: carol.sub,
      email: carol.email,
      name: 'Carol',
      subscription_tier: 'free',
      subscription_status: 'inactive',
    });
  });

  it('may send its own email at sign-up (as the draft app does)', async () => {
    const dora = await authUser('dora');
    const row = await asUser(
      db.sql,
      dora,
      async (tx) =>
        (
          await tx`
      insert into public.artists (id, email, name) values (${dora.sub!}, ${dora.email!}, 'Dora') returning email`
        )[0],
    );
    expect(row).toEqual({ email: dora.email });
  });

  it('reads its own profile and nobody else’s', async () => {
    const rows = await asUser(db.sql, carol, (tx) => tx`select id, name from public.artists`, { readOnly: true });
    expect(rows).toEqual([{ id: carol.sub, name: 'Carol' }]);
  });

  it('edits its profile; updated_at moves', async () => {
    const [before] = await db.sql`select updated_at from public.artists where id = ${carol.sub!}`;
    const row = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      update public.artists set name = 'Carol K', bio = 'sax', username = 'carolk', push_token = 'expo-1',
                                notifications_enabled = false, onboarded_at = now()
      where id = ${carol.sub!}
      returning name, bio, username, push_token, notifications_enabled, updated_at`
        )[0],
    );
    expect(row).toMatchObject({
      name: 'Carol K',
      bio: 'sax',
      username: 'carolk',
      push_token: 'expo-1',
      notifications_enabled: false,
    });
    expect((row!.updated_at as Date).getTime()).toBeGreaterThan((before!.updated_at as Date).getTime());
  });

  it('is told a username is taken (public handles are unique)', async () => {
    await db.sql`update public.artists set username = 'olga' where id = ${other.sub!}`;
    await expect(
      asUser(db.sql, carol, (tx) => tx`update public.artists set username = 'olga' where id = ${carol.sub!}`),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('adds, edits, completes, reopens and deletes its own tasks; completion time is the server’s', async () => {
    const task = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      insert into public.tasks (title, category, difficulty, impact_score, due_date, estimated_time)
      values ('Post a reel', 'content', 'easy', 8, current_date + 1, 15)
      returning id, artist_id, completed, completed_at, points_reward, ai_generated`
        )[0]!,
    );
    expect(task).toMatchObject({
      artist_id: carol.sub,
      completed: false,
      completed_at: null,
      points_reward: 10,
      ai_generated: false,
    });

    const done = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      update public.tasks set completed = true, completion_notes = 'done!' where id = ${task.id as string}
      returning completed, completed_at, now() as now`
        )[0]!,
    );
    expect(done.completed).toBe(true);
    expect(done.completed_at).toEqual(done.now);

    const reopened = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      update public.tasks set completed = false, title = 'Post two reels' where id = ${task.id as string}
      returning completed, completed_at, title`
        )[0],
    );
    expect(reopened).toEqual({ completed: false, completed_at: null, title: 'Post two reels' });

    const deleted = await asUser(
      db.sql,
      carol,
      async (tx) => (await tx`delete from public.tasks where id = ${task.id as string}`).count,
    );
    expect(deleted).toBe(1);
  });

  it('turns its own insight into a task and files the insight', async () => {
    const [insight] = await db.sql<{ id: string }[]>`
      insert into public.insights (artist_id, type, title, confidence_score) values (${carol.sub!}, 'content', 'Post at 7pm', 0.875) returning id`;
    const result = await asUser(db.sql, carol, async (tx) => {
      const [task] =
        await tx`insert into public.tasks (title, parent_insight_id) values ('Schedule 7pm post', ${insight!.id}) returning parent_insight_id`;
      const [filed] =
        await tx`update public.insights set status = 'actioned', read_at = now() where id = ${insight!.id} returning status`;
      return { task, filed };
    });
    expect(result).toEqual({ task: { parent_insight_id: insight!.id }, filed: { status: 'actioned' } });
  });

  it('marks its notification opened and acted on', async () => {
    const [note] = await db.sql<{ id: string }[]>`
      insert into public.notifications (artist_id, type, title, body) values (${carol.sub!}, 'insight', 'New insight', 'Open it') returning id`;
    const row = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      update public.notifications set opened = true, opened_at = now(), action_taken = 'viewed'
      where id = ${note!.id} returning opened, action_taken`
        )[0],
    );
    expect(row).toEqual({ opened: true, action_taken: 'viewed' });
  });

  it('manages its own content but not its measured performance', async () => {
    const id = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      insert into public.content (title, content_type, platform, file_url, file_size)
      values ('Live set', 'video', 'youtube', 'content-uploads/x/live.mp4', 3000000000) returning id`
        )[0]!.id as string,
    );
    await asUser(
      db.sql,
      carol,
      (tx) => tx`update public.content set published = true, published_at = now() where id = ${id}`,
    );
    await expect(
      asUser(db.sql, carol, (tx) => tx`update public.content set views = 1000000 where id = ${id}`),
    ).rejects.toMatchObject({ code: '42501' });
    const n = await asUser(db.sql, carol, async (tx) => (await tx`delete from public.content where id = ${id}`).count);
    expect(n).toBe(1);
  });

  it('records its activity through update_artist_activity', async () => {
    await db.sql`update public.artists set last_active = now() - interval '1 day' where id = ${carol.sub!}`;
    await asUser(db.sql, carol, (tx) => tx`select public.update_artist_activity(${carol.sub!}, 'opened_dashboard')`);
    const [row] = await db.sql`
      select a.last_active > now() - interval '1 minute' as fresh,
             (select array_agg(activity_type) from public.artist_activity_log where artist_id = a.id) as log
      from public.artists a where a.id = ${carol.sub!}`;
    expect(row).toEqual({ fresh: true, log: ['opened_dashboard'] });
  });

  it('reads its connections without tokens', async () => {
    await db.sql`insert into public.platform_connections (artist_id, platform, platform_user_id, platform_username, access_token_encrypted)
                 values (${carol.sub!}, 'spotify', 'sp-carol', 'carolk', '\\x00ff')`;
    const rows = await asUser(
      db.sql,
      carol,
      (tx) => tx`
      select platform, platform_user_id, platform_username, sync_status from public.platform_connections`,
      { readOnly: true },
    );
    expect(rows).toEqual([
      { platform: 'spotify', platform_user_id: 'sp-carol', platform_username: 'carolk', sync_status: 'active' },
    ]);
  });
});

describe('the service role', () => {
  it('writes metrics (upserting the day) and the artist reads them', async () => {
    await asUser(db.sql, server, async (tx) => {
      await tx`insert into public.metrics (artist_id, platform, metric_date, followers, engagement_rate, total_views, data_quality_score)
               values (${carol.sub!}, 'spotify', current_date, 100, 4.25, 5000000000, 0.9)`;
      await tx`insert into public.metrics (artist_id, platform, metric_date, followers, follower_growth, follower_growth_rate)
               values (${carol.sub!}, 'spotify', current_date, 120, 20, 20)
               on conflict (artist_id, platform, metric_date)
               do update set followers = excluded.followers, follower_growth = excluded.follower_growth,
                             follower_growth_rate = excluded.follower_growth_rate`;
    });
    const rows = await asUser(
      db.sql,
      carol,
      (tx) => tx`
      select followers, follower_growth, total_views from public.metrics`,
      { readOnly: true },
    );
    expect(rows).toEqual([{ followers: '120', follower_growth: '20', total_views: '5000000000' }]);
  });

  it('awards achievements and the artist sees them', async () => {
    await asUser(
      db.sql,
      server,
      (tx) => tx`
      insert into public.achievements (artist_id, type, name, points_awarded, tier) values (${carol.sub!}, 'milestone', 'First 100', 100, 'silver')`,
    );
    const rows = await asUser(db.sql, carol, (tx) => tx`select name, points_awarded from public.achievements`, {
      readOnly: true,
    });
    expect(rows).toEqual([{ name: 'First 100', points_awarded: 100 }]);
  });

  it('writes billing fields, tokens and the connected flags', async () => {
    const row = await asUser(db.sql, server, async (tx) => {
      await tx`update public.artists set subscription_tier = 'pro', subscription_status = 'active',
                                         stripe_customer_id = 'cus_carol', spotify_connected = true
               where id = ${carol.sub!}`;
      await tx`update public.platform_connections set refresh_token_encrypted = '\\x01' where artist_id = ${carol.sub!}`;
      return (
        await tx`select c.access_token_encrypted, a.subscription_tier from public.platform_connections c
                       join public.artists a on a.id = c.artist_id where c.artist_id = ${carol.sub!}`
      )[0];
    });
    expect(row).toEqual({ access_token_encrypted: Buffer.from([0x00, 0xff]), subscription_tier: 'pro' });
    // The artist can still edit its profile after becoming a paying customer.
    await asUser(db.sql, carol, (tx) => tx`update public.artists set bio = 'paid' where id = ${carol.sub!}`);
  });

  it('writes insights and notifications for an artist', async () => {
    await asUser(db.sql, server, async (tx) => {
      await tx`insert into public.insights (artist_id, type, title, ai_model) values (${carol.sub!}, 'audience', 'Your fans are in Lisbon', 'm1')`;
      await tx`insert into public.notifications (artist_id, type, title, body) values (${carol.sub!}, 'insight', 'New', 'Lisbon')`;
    });
    const n = await asUser(
      db.sql,
      carol,
      async (tx) => (await tx`select 1 from public.insights where title = 'Your fans are in Lisbon'`).length,
    );
    expect(n).toBe(1);
  });

  it('holds no TRUNCATE', async () => {
    await expect(
      asUser(db.sql, server, (tx) => tx`truncate public.artist_activity_log`, { rollback: true }),
    ).rejects.toMatchObject({ code: '42501' });
  });
});

describe('ranges and sizes', () => {
  const bad: Array<[string, string]> = [
    ['data_quality_score', '1.5'],
    ['data_quality_score', '-0.1'],
    ['engagement_rate', '-1'],
    ['followers', '-1'],
    ['follower_growth_rate', '-100.5'],
  ];
  for (const [column, value] of bad) {
    it(`metrics.${column} = ${value} is refused`, async () => {
      await expect(
        asUser(db.sql, server, (tx) =>
          tx.unsafe(
            `insert into public.metrics (artist_id, platform, metric_date, ${column}) values ($1, 'tiktok', current_date, ${value})`,
            [carol.sub!],
          ),
        ),
      ).rejects.toMatchObject({ code: '23514' });
    });
  }

  it('counters hold more than 2^31 and rates more than 999.99', async () => {
    const metric = await asUser(
      db.sql,
      server,
      async (tx) =>
        (
          await tx`
      insert into public.metrics (artist_id, platform, metric_date, followers, total_views, engagement_rate, follower_growth_rate)
      values (${carol.sub!}, 'tiktok', current_date - 1, 3000000000, 9000000000, 1250.5, 5000)
      returning followers::text, total_views::text, engagement_rate::text, follower_growth_rate::text`
        )[0],
    );
    expect(metric).toEqual({
      followers: '3000000000',
      total_views: '9000000000',
      engagement_rate: expect.stringMatching(/^1250\.50*$/),
      follower_growth_rate: expect.stringMatching(/^5000(\.0+)?$/),
    });
    // The artist's earlier content was deleted above: a row of its own, so the update is not a no-op.
    const views = await asUser(db.sql, server, async (tx) => {
      const [row] =
        await tx`insert into public.content (artist_id, content_type) values (${carol.sub!}, 'post') returning id`;
      return (
        await tx`update public.content set views = 3000000000 where id = ${row!.id as string} returning views::text`
      ).map((r) => r.views);
    });
    expect(views).toEqual(['3000000000']);
  });

  it('confidence and prediction scores are 0..1', async () => {
    await expect(
      asUser(
        db.sql,
        server,
        (tx) => tx`
      insert into public.insights (artist_id, type, title, confidence_score) values (${carol.sub!}, 'brand', 'x', 1.01)`,
      ),
    ).rejects.toMatchObject({ code: '23514' });
    await expect(
      asUser(
        db.sql,
        server,
        (tx) => tx`
      insert into public.content (artist_id, content_type, performance_prediction) values (${carol.sub!}, 'post', 2)`,
      ),
    ).rejects.toMatchObject({ code: '23514' });
  });
});

describe('calculate_growth_streak counts consecutive days of growth', () => {
  // Days are offsets from today; growth > 0 unless listed in `flat`.
  async function series(platform: string, days: number[], flat: number[] = []): Promise<void> {
    for (const d of days) {
      await db.sql`insert into public.metrics (artist_id, platform, metric_date, follower_growth_rate)
                   values (${other.sub!}, ${platform}, current_date - ${d}::int, ${flat.includes(d) ? 0 : 1.5})`;
    }
  }
  const streak = (platform: string, actor: Actor = other) =>
    asUser(
      db.sql,
      actor,
      async (tx) => (await tx`select public.calculate_growth_streak(${other.sub!}, ${platform}) as n`)[0]!.n,
      { readOnly: true },
    );

  beforeAll(async () => {
    await series('spotify', [0, 1, 2, 4, 5, 6, 7, 8, 9, 10]); // day 3 missing: 3
    await series('instagram', [1, 2, 3, 4, 5], [3]); // ends yesterday, broken by a flat day: 2
    await series('youtube', [0, 1, 2], [0]); // today flat: 0
    await series('tiktok', [3, 4, 5]); // stale: 0
  });

  it('stops at a missing day', async () => expect(await streak('spotify')).toBe(3));
  it('stops at a day without growth, and may end yesterday', async () => expect(await streak('instagram')).toBe(2));
  it('is 0 when the latest day has no growth', async () => expect(await streak('youtube')).toBe(0));
  it('is 0 when the latest day is older than yesterday', async () => expect(await streak('tiktok')).toBe(0));
  it('is 0 for a platform without data', async () => expect(await streak('apple_music')).toBe(0));
  it("is 0 for another artist's metrics (RLS)", async () => expect(await streak('spotify', carol)).toBe(0));
  it('the server sees the same streak', async () => expect(await streak('spotify', server)).toBe(3));
});
