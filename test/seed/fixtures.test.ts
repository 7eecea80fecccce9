/**
 * Fixtures on a real database: applied once, skipped when unchanged, re-applied in place when
 * changed; a bad file writes nothing; the app can sign in and read its dashboard as each artist.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../../src/commands/seed.js';
import { NotMigratedError } from '../../src/errors.js';
import { asUser } from '../../src/db/impersonate.js';
import { DEV_PASSWORD } from '../../src/seed/apply.js';
import { parseDate } from '../../src/seed/dates.js';
import { createTestDatabase, migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { counts, projectWithFixtures, testContext } from './helpers.js';

const TODAY = parseDate('2026-11-25')!;
const MAYA = '11111111-1111-4111-8111-111111111111';
const OWLS = '22222222-2222-4222-8222-222222222222';

let db: TestDatabase;
let project: string;
beforeAll(async () => {
  db = await migratedDatabase('seedfix');
  project = await projectWithFixtures();
});
afterAll(async () => {
  await db?.drop();
  if (project) await fs.rm(project, { recursive: true, force: true });
});

describe('dreamdb seed (fixtures)', () => {
  it('applies every fixture file, recording its sha256 in supabase_migrations.seed_files', async () => {
    const { ctx } = await testContext(db.url, { cwd: project });
    const r = await seed(ctx, { today: TODAY });
    expect(r.fixtures.map((f) => [f.path, f.status])).toEqual([
      ['fixtures/seed/01-maya-rivers.json', 'applied'],
      ['fixtures/seed/02-the-night-owls.json', 'applied'],
      ['fixtures/seed/03-luna-park.json', 'applied'],
    ]);
    const ledger = await db.sql<
      { path: string; hash: string }[]
    >`select path, hash from supabase_migrations.seed_files order by path`;
    const expected = await Promise.all(
      ledger.map(async (l) =>
        createHash('sha256')
          .update(await fs.readFile(path.join(project, l.path)))
          .digest('hex'),
      ),
    );
    expect(ledger.map((l) => l.hash)).toEqual(expected);
    const c = await counts(db.sql);
    expect(c.artists).toBe(3);
    expect(c['auth.users']).toBe(3);
    // A year of daily metrics per connected platform (Spotify of Maya started later).
    expect(c.metrics).toBeGreaterThan(3 * 300 * 3);
    const stages = await db.sql<
      { career_stage: string }[]
    >`select career_stage from public.artists order by career_stage`;
    expect(stages.map((s) => s.career_stage)).toEqual(['developing', 'emerging', 'established']);
  });

  it('gives each artist an Auth user that can sign in with the development password', async () => {
    const users = await db.sql<{ id: string; email: string; ok: boolean; confirmed: boolean }[]>`
      select u.id, u.email, u.encrypted_password = extensions.crypt(${DEV_PASSWORD}, u.encrypted_password) as ok,
             u.email_confirmed_at is not null as confirmed
      from auth.users u join public.artists a on a.id = u.id and a.email = u.email order by u.email`;
    expect(users).toHaveLength(3);
    for (const u of users) expect(u).toMatchObject({ ok: true, confirmed: true });
    const [hash] = await db.sql<{ h: string }[]>`select encrypted_password as h from auth.users where id = ${MAYA}`;
    expect(hash!.h).toMatch(/^\$2[aby]\$/);
  });

  it('tells a coherent story: the viral week, and the task that followed its insight', async () => {
    const viral = await db.sql<{ followers: string; metric_date: Date }[]>`
      select followers::text, metric_date from public.metrics
      where artist_id = ${MAYA} and platform = 'tiktok' and metric_date between ${'2026-07-20'} and ${'2026-07-30'} order by metric_date`;
    // 2,100 followers on day -130 (2026-07-18), 19,000 on day -124 (2026-07-24): anchors are exact.
    expect(Number(viral.find((v) => v.metric_date.toISOString().startsWith('2026-07-24'))!.followers)).toBe(19000);
    const [task] = await db.sql<{ parent: string | null; completed: boolean }[]>`
      select t.parent_insight_id::text as parent, t.completed from public.tasks t where t.artist_id = ${MAYA} and t.title like 'Post a follow-up%'`;
    const [insight] = await db.sql<
      { id: string }[]
    >`select id::text from public.insights where artist_id = ${MAYA} and title like 'Your TikTok cover is going viral%'`;
    expect(task).toEqual({ parent: insight!.id, completed: true });
  });

  it("fills the app: applied today, Maya's dashboard shows her platforms, open tasks and news, and only hers", async () => {
    const fresh = await migratedDatabase('seeddash');
    try {
      const { ctx } = await testContext(fresh.url, { cwd: project });
      await seed(ctx);
      const maya = { role: 'authenticated' as const, sub: MAYA, email: 'maya@dreamsuite.test' };
      const s = await asUser(
        fresh.sql,
        maya,
        async (tx) =>
          (
            await tx<{ s: Record<string, { [k: string]: unknown }[]> }[]>`select public.get_dashboard_summary() as s`
          )[0]!.s,
        { readOnly: true },
      );
      expect(s.metrics!.map((m) => m.platform)).toEqual(['instagram', 'spotify', 'tiktok']);
      expect(s.pending_tasks!.map((t) => t.title)).toContain('Pick three EP snippets for teasers');
      expect(s.recent_insights!.map((i) => i.title)).toContain('Tease the EP before growth slows');
      const owls = await asUser(
        fresh.sql,
        maya,
        async (tx) => (await tx<{ s: unknown }[]>`select public.get_dashboard_summary(${OWLS}::uuid) as s`)[0]!.s,
        { readOnly: true },
      );
      expect(owls).toBeNull();
    } finally {
      await fresh.drop();
    }
  });

  it('skips unchanged files and re-applies a changed one in place, without duplicates', async () => {
    const before = await counts(db.sql);
    const { ctx } = await testContext(db.url, { cwd: project });
    const again = await seed(ctx, { today: TODAY });
    expect(again.fixtures.map((f) => f.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    const file = path.join(project, 'fixtures/seed/02-the-night-owls.json');
    const owls = JSON.parse(await fs.readFile(file, 'utf8'));
    owls.tasks[0].title = 'Share a studio clip (renamed)';
    owls.insights.push({ key: 'added-later', type: 'content', title: 'A new insight', created: 'today-1d' });
    await fs.writeFile(file, JSON.stringify(owls, null, 2));
    const changed = await seed(ctx, { today: TODAY });
    expect(changed.fixtures.map((f) => f.status)).toEqual(['unchanged', 'applied', 'unchanged']);
    const after = await counts(db.sql);
    expect(after).toEqual({ ...before, insights: before.insights! + 1 });
    const titles = await db.sql<
      { title: string }[]
    >`select title from public.tasks where artist_id = ${OWLS} and title like 'Share a studio clip%'`;
    expect(titles).toEqual([{ title: 'Share a studio clip (renamed)' }]);
    const [ledger] = await db.sql<
      { hash: string }[]
    >`select hash from supabase_migrations.seed_files where path = 'fixtures/seed/02-the-night-owls.json'`;
    expect(ledger!.hash).toBe(
      createHash('sha256')
        .update(await fs.readFile(file))
        .digest('hex'),
    );
  });

  it('--reapply applies unchanged files again, restoring deleted rows', async () => {
    await db.sql`delete from public.tasks where artist_id = ${MAYA}`;
    const { ctx } = await testContext(db.url, { cwd: project });
    expect((await seed(ctx, { today: TODAY })).fixtures[0]!.status).toBe('unchanged');
    const r = await seed(ctx, { today: TODAY, reapply: true });
    expect(r.fixtures.map((f) => f.status)).toEqual(['applied', 'applied', 'applied']);
    const [n] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.tasks where artist_id = ${MAYA}`;
    expect(n!.n).toBe(5);
  });

  it('keeps a password changed since (re-applying never resets it)', async () => {
    await db.sql`update auth.users set encrypted_password = extensions.crypt('changed', extensions.gen_salt('bf')) where id = ${OWLS}`;
    const file = path.join(project, 'fixtures/seed/02-the-night-owls.json');
    const owls = JSON.parse(await fs.readFile(file, 'utf8'));
    owls.artist.bio = 'New bio';
    await fs.writeFile(file, JSON.stringify(owls, null, 2));
    const { ctx } = await testContext(db.url, { cwd: project });
    await seed(ctx, { today: TODAY });
    const [row] = await db.sql<{ ok: boolean; bio: string }[]>`
      select u.encrypted_password = extensions.crypt('changed', u.encrypted_password) as ok, a.bio
      from auth.users u join public.artists a using (id) where u.id = ${OWLS}`;
    expect(row).toEqual({ ok: true, bio: 'New bio' });
  });
});

describe('dreamdb seed refuses', () => {
  it('a bad fixture: names the file and the path, and writes nothing at all', async () => {
    const fresh = await migratedDatabase('seedbad');
    const dir = await projectWithFixtures();
    try {
      const bad = JSON.parse(await fs.readFile(path.join(dir, 'fixtures/seed/03-luna-park.json'), 'utf8'));
      bad.platforms[2].metrics.engagementRate = -1;
      await fs.writeFile(path.join(dir, 'fixtures/seed/03-luna-park.json'), JSON.stringify(bad));
      const { ctx } = await testContext(fresh.url, { cwd: dir });
      const error = await seed(ctx).catch((e: unknown) => e);
      expect(error).toMatchObject({ exitCode: 2, name: 'FixtureError' });
      expect((error as Error).message).toMatch(
        /^Invalid fixture fixtures\/seed\/03-luna-park\.json: platforms\[2\]\.metrics\.engagementRate: Too small/,
      );
      const [n] = await fresh.sql<{ n: number }[]>`select count(*)::int as n from public.artists`;
      expect(n!.n).toBe(0);
      const [ledger] = await fresh.sql<
        { ok: boolean }[]
      >`select to_regclass('supabase_migrations.seed_files') is null as ok`;
      expect(ledger!.ok).toBe(true);
    } finally {
      await fresh.drop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a target labelled production, even with --yes', async () => {
    const { ctx } = await testContext(db.url, { cwd: project, yes: true, env: { DREAMDB_LABEL: 'production' } });
    const error = await seed(ctx, { today: TODAY }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toMatch(/Refusing to seed .* labelled production/);
  });

  it('a database without the schema', async () => {
    const empty = await createTestDatabase('seedempty');
    try {
      const { ctx } = await testContext(empty.url, { cwd: project });
      const error = await seed(ctx, { today: TODAY }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotMigratedError);
      expect(error).toMatchObject({ exitCode: 2, hint: expect.stringContaining('dreamdb migrate') });
    } finally {
      await empty.drop();
    }
  });
});
