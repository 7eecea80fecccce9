/**
 * Generated volume on a real database: counts, determinism (same seed → same checksums), reruns
 * add only what is missing, the confirmation rule, partitions two years back, and a failing COPY
 * that leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed, type SeedOptions } from '../../src/commands/seed.js';
import { asUser } from '../../src/db/impersonate.js';
import { dateString, todayUtc } from '../../src/seed/dates.js';
import { makeWindow, planArtist } from '../../src/seed/scale.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { checksums, counts, testContext } from './helpers.js';

const FIXED: SeedOptions = { endDate: '2026-06-30', fixtures: false };

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('seedscale');
});
afterAll(async () => db?.drop());

describe('dreamdb seed --scale', () => {
  it('small: 100 artists × 90 days × 5 platforms, with the rest of their story, and a rows/s figure', async () => {
    const { ctx, output } = await testContext(db.url);
    const r = await seed(ctx, { ...FIXED, scale: 'small' });
    const s = r.scale!;
    expect(s).toMatchObject({
      artists: 100,
      days: 90,
      seed: 1,
      endDate: '2026-06-30',
      startDate: '2026-04-02',
      artistsAdded: 100,
      artistsSkipped: 0,
    });
    expect(s.rows!.metrics).toBe(100 * 90 * 5);
    expect(s.rowsPerSecond).toBeGreaterThan(0);
    expect(s.metricRowsPerSecond).toBeGreaterThan(0);
    const c = await counts(db.sql);
    expect(c).toMatchObject({ artists: 100, 'auth.users': 100, platform_connections: 500, metrics: 45_000 });
    for (const t of ['insights', 'tasks', 'achievements', 'content', 'notifications'] as const) {
      expect(c[t]).toBe(s.rows![t]);
      expect(c[t]).toBeGreaterThan(100);
    }
    // Plausible proportions: more tasks than insights, most past tasks done, notifications for most insights.
    const [p] = await db.sql<{ tasks_per_insight: number; done: number; stages: string[] }[]>`
      select (select count(*) from public.tasks)::float / (select count(*) from public.insights) as tasks_per_insight,
             (select avg((completed)::int) from public.tasks where due_date < '2026-06-30')::float as done,
             (select array_agg(distinct career_stage order by career_stage) from public.artists) as stages`;
    expect(p!.tasks_per_insight).toBeGreaterThan(1.5);
    expect(p!.done).toBeGreaterThan(0.5);
    expect(p!.stages).toEqual(['developing', 'emerging', 'established']);
    expect(output()).toMatch(/Generating 100 artists × 90 days \(seed 1\)/);
  });

  it('writes rows the app can read as their artist (RLS and the dashboard)', async () => {
    const window = makeWindow(Date.parse('2026-06-30') / 86_400_000, 90);
    const a = planArtist(1, 0, window);
    const rows = await asUser(
      db.sql,
      { role: 'authenticated', sub: a.id, email: a.email },
      async (tx) =>
        tx<
          { n: number; artists: number }[]
        >`select count(*)::int as n, count(distinct artist_id)::int as artists from public.metrics`,
      { readOnly: true },
    );
    expect(rows[0]).toEqual({ n: 450, artists: 1 });
    const [u] = await db.sql<{ email: string; ok: boolean }[]>`
      select u.email, u.encrypted_password = extensions.crypt('dreamsuite-dev', u.encrypted_password) as ok from auth.users u where u.id = ${a.id}`;
    expect(u).toEqual({ email: a.email, ok: true });
  });

  it('adds only missing artists on a rerun, and asks before adding volume to a non-empty database', async () => {
    const before = await counts(db.sql);
    const { ctx } = await testContext(db.url);
    const same = await seed(ctx, { ...FIXED, scale: 'small' });
    expect(same.scale).toMatchObject({ artistsAdded: 0, artistsSkipped: 100 });
    expect(await counts(db.sql)).toEqual(before);

    const refused = await seed(ctx, { ...FIXED, scale: 'small', artists: 110 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ exitCode: 2, hint: 'Pass --yes to add the volume non-interactively.' });
    expect((refused as Error).message).toMatch(/already has 100 artist\(s\); add 10 generated artists/);
    expect(await counts(db.sql)).toEqual(before);

    const { ctx: yes } = await testContext(db.url, { yes: true });
    const more = await seed(yes, { ...FIXED, scale: 'small', artists: 110 });
    expect(more.scale).toMatchObject({ artistsAdded: 10, artistsSkipped: 100 });
    expect((await counts(db.sql)).metrics).toBe(110 * 90 * 5);
  });

  it('is deterministic: the same seed and end date give the same data; another seed does not', async () => {
    const run = async (seedValue: number) => {
      const fresh = await migratedDatabase('seeddet');
      try {
        const { ctx } = await testContext(fresh.url);
        await seed(ctx, { ...FIXED, artists: 12, days: 40, seed: seedValue });
        return await checksums(fresh.sql);
      } finally {
        await fresh.drop();
      }
    };
    const [a, b, c] = [await run(99), await run(99), await run(100)];
    expect(a).toEqual(b);
    for (const table of Object.keys(a)) expect(c[table], table).not.toBe(a[table]);
  });

  it('reaches two years back, asking the partitions engine for the missing year', async () => {
    const fresh = await migratedDatabase('seedyears');
    try {
      const { ctx } = await testContext(fresh.url);
      const r = await seed(ctx, { fixtures: false, artists: 2, days: 800 });
      const first = Number(dateString(todayUtc() - 799).slice(0, 4));
      expect(r.partitions.map((p) => p.year)[0]).toBe(first);
      const parts = await fresh.sql<{ relname: string; forced: boolean }[]>`
        select c.relname, c.relforcerowsecurity as forced from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'public.metrics'::regclass order by 1`;
      expect(parts.map((p) => p.relname)).toContain(`metrics_y${first}`);
      expect(parts.every((p) => p.forced)).toBe(true);
      expect((await counts(fresh.sql)).metrics).toBe(2 * 800 * 5);
    } finally {
      await fresh.drop();
    }
  });

  it('leaves nothing behind when a COPY fails (one transaction), with a clear error', async () => {
    const fresh = await migratedDatabase('seedfail');
    try {
      // Artist 3 of seed 5 will want instagram account "instagram_5_3": someone already has it.
      const other = '44444444-4444-4444-8444-444444444444';
      await fresh.sql`insert into auth.users (id, email) values (${other}, 'other@example.test')`;
      await fresh.sql`insert into public.artists (id, email, name) values (${other}, 'other@example.test', 'Other')`;
      await fresh.sql`insert into public.platform_connections (artist_id, platform, platform_user_id) values (${other}, 'instagram', 'instagram_5_3')`;
      const { ctx } = await testContext(fresh.url, { yes: true });
      const error = await seed(ctx, { ...FIXED, artists: 10, days: 20, seed: 5 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ exitCode: 1 });
      expect((error as Error).message).toMatch(
        /^Writing generated data failed: duplicate key value violates unique constraint .* \(23505\)$/,
      );
      const c = await counts(fresh.sql);
      expect(c).toMatchObject({ artists: 1, 'auth.users': 1, platform_connections: 1, metrics: 0 });
      // The connection is usable afterwards: the lock was released and the transaction rolled back.
      const again = await seed(ctx, { ...FIXED, artists: 3, days: 20, seed: 5 });
      expect(again.scale!.artistsAdded).toBe(3);
    } finally {
      await fresh.drop();
    }
  });

  it('validates its flags', async () => {
    const { ctx } = await testContext(db.url);
    await expect(seed(ctx, { artists: 0 })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--artists must be/),
    });
    await expect(seed(ctx, { days: 5000 })).rejects.toMatchObject({ exitCode: 2 });
    await expect(seed(ctx, { scale: 'small', endDate: '2026-02-30' })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--end-date/),
    });
    await expect(seed(ctx, { seed: 3 })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--seed and --end-date apply to generated data/),
    });
  });

  it('--dry-run plans and writes nothing', async () => {
    const before = await counts(db.sql);
    const { ctx } = await testContext(db.url);
    const r = await seed(ctx, { ...FIXED, artists: 120, scale: 'small', dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.scale).toMatchObject({ artistsSkipped: 110, expectedMetricRows: 10 * 90 * 5 });
    expect(await counts(db.sql)).toEqual(before);
  });
});
