/**
 * Every hole of FACTS.md section 3 (H1-H10, N1-N3), attacked the way a client would: as an
 * impersonated PostgREST request (asUser), never a session SET ROLE. Each attack must fail, and
 * where an attack could succeed silently (RLS filtering to zero rows), the victim's data is checked.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, type Actor } from '../../src/db/impersonate.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let alice: Actor;
let bob: Actor;
let carol: Actor; // signed in, no artist row yet
const anon: Actor = { role: 'anon' };
const ids: Record<string, string> = {};

const DENIED = { code: '42501' };

async function authUser(name: string): Promise<Actor> {
  const id = randomUUID();
  const email = `${name}@example.test`;
  await db.sql`insert into auth.users (id, email, aud, role) values (${id}, ${email}, 'authenticated', 'authenticated')`;
  return { role: 'authenticated', sub: id, email };
}

async function artist(name: string): Promise<Actor> {
  const user = await authUser(name);
  await db.sql`insert into public.artists (id, email, name, username) values (${user.sub!}, ${user.email!}, ${name}, ${name})`;
  return user;
}

beforeAll(async () => {
  db = await migratedDatabase('holes');
  alice = await artist('alice');
  bob = await artist('bob');
  carol = await authUser('carol');
  await db.sql`update public.artists set stripe_customer_id = 'cus_bob' where id = ${bob.sub!}`;

  // Bob's private data, written as the server would.
  const [insight] = await db.sql<{ id: string }[]>`
    insert into public.insights (artist_id, type, title) values (${bob.sub!}, 'growth', 'bob insight') returning id`;
  ids.bobInsight = insight!.id;
  const [task] = await db.sql<{ id: string }[]>`
    insert into public.tasks (artist_id, title) values (${bob.sub!}, 'bob task') returning id`;
  ids.bobTask = task!.id;
  await db.sql`insert into public.metrics (artist_id, platform, metric_date, followers)
               values (${bob.sub!}, 'spotify', current_date, 1234)`;
  await db.sql`insert into public.achievements (artist_id, type, name, points_awarded)
               values (${bob.sub!}, 'badge', 'bob badge', 50)`;
  const [bobNote] = await db.sql<{ id: string }[]>`
    insert into public.notifications (artist_id, type, title, body) values (${bob.sub!}, 'system', 'hi bob', 'body') returning id`;
  ids.bobNotification = bobNote!.id;
  await db.sql`insert into public.platform_connections (artist_id, platform, platform_user_id, access_token_encrypted, refresh_token_encrypted)
               values (${bob.sub!}, 'instagram', 'ig-bob', '\\xdeadbeef', '\\xcafebabe')`;

  // Alice's own rows.
  const [aliceNote] = await db.sql<{ id: string }[]>`
    insert into public.notifications (artist_id, type, title, body) values (${alice.sub!}, 'system', 'hi alice', 'body') returning id`;
  ids.aliceNotification = aliceNote!.id;
  const [aliceInsight] = await db.sql<{ id: string }[]>`
    insert into public.insights (artist_id, type, title) values (${alice.sub!}, 'brand', 'alice insight') returning id`;
  ids.aliceInsight = aliceInsight!.id;
  const [aliceTask] = await db.sql<{ id: string }[]>`
    insert into public.tasks (artist_id, title) values (${alice.sub!}, 'alice task') returning id`;
  ids.aliceTask = aliceTask!.id;
  const [aliceAchievement] = await db.sql<{ id: string }[]>`
    insert into public.achievements (artist_id, type, name, points_awarded) values (${alice.sub!}, 'badge', 'alice badge', 5) returning id`;
  ids.aliceAchievement = aliceAchievement!.id;
  await db.sql`insert into public.platform_connections (artist_id, platform, platform_user_id, access_token_encrypted)
               values (${alice.sub!}, 'spotify', 'sp-alice', '\\x01')`;
});
afterAll(async () => db?.drop());

async function count(query: string, ...params: string[]): Promise<number> {
  const [row] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from (${query}) q`, params);
  return row!.n;
}

describe('H1 metrics are written by the service role only', () => {
  it('anon cannot insert metrics', async () => {
    await expect(
      asUser(
        db.sql,
        anon,
        (tx) => tx`
      insert into public.metrics (artist_id, platform, metric_date) values (${bob.sub!}, 'youtube', current_date)`,
      ),
    ).rejects.toMatchObject(DENIED);
  });

  it('an artist cannot insert metrics, not even its own', async () => {
    for (const target of [alice.sub!, bob.sub!]) {
      await expect(
        asUser(
          db.sql,
          alice,
          (tx) => tx`
        insert into public.metrics (artist_id, platform, metric_date, followers) values (${target}, 'youtube', current_date, 999999999)`,
        ),
      ).rejects.toMatchObject(DENIED);
    }
    expect(await count(`select 1 from public.metrics where platform = 'youtube'`)).toBe(0);
  });

  it('an artist cannot change or delete metrics', async () => {
    await expect(
      asUser(db.sql, bob, (tx) => tx`update public.metrics set followers = 1 where artist_id = ${bob.sub!}`),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(db.sql, bob, (tx) => tx`delete from public.metrics where artist_id = ${bob.sub!}`),
    ).rejects.toMatchObject(DENIED);
  });
});

describe('H2 achievements are awarded by the service role only', () => {
  it('nobody awards an achievement through the API', async () => {
    await expect(
      asUser(
        db.sql,
        anon,
        (tx) => tx`
      insert into public.achievements (artist_id, type, name, points_awarded) values (${bob.sub!}, 'badge', 'x', 1)`,
      ),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      insert into public.achievements (artist_id, type, name, points_awarded) values (${alice.sub!}, 'badge', 'free points', 1000000)`,
      ),
    ).rejects.toMatchObject(DENIED);
    expect(await count(`select 1 from public.achievements where name in ('x', 'free points')`)).toBe(0);
  });

  it('an artist cannot raise the points of its own achievement', async () => {
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      update public.achievements set points_awarded = 1000000 where id = ${ids.aliceAchievement!}`,
      ),
    ).rejects.toMatchObject(DENIED);
  });
});

describe('H3 get_dashboard_summary shows only the caller its own dashboard', () => {
  it("another artist's id gives nothing", async () => {
    const own = await asUser(db.sql, bob, async (tx) => (await tx`select public.get_dashboard_summary() as d`)[0]!.d);
    expect(JSON.stringify(own)).toContain('bob insight'); // there is something to leak
    const stolen = await asUser(
      db.sql,
      alice,
      async (tx) => (await tx`select public.get_dashboard_summary(${bob.sub!}) as d`)[0]!.d,
      { readOnly: true },
    );
    expect(stolen).toBeNull();
  });

  it('anon cannot call it', async () => {
    await expect(
      asUser(db.sql, anon, (tx) => tx`select public.get_dashboard_summary(${bob.sub!})`, { readOnly: true }),
    ).rejects.toMatchObject(DENIED);
  });
});

describe('H4 update_artist_activity acts for the caller only', () => {
  it("an artist cannot touch another artist's activity", async () => {
    const [before] = await db.sql<
      { last_active: Date }[]
    >`select last_active from public.artists where id = ${bob.sub!}`;
    await expect(
      asUser(db.sql, alice, (tx) => tx`select public.update_artist_activity(${bob.sub!}, 'spoofed')`),
    ).rejects.toMatchObject(DENIED);
    const [after] = await db.sql<
      { last_active: Date }[]
    >`select last_active from public.artists where id = ${bob.sub!}`;
    expect(after!.last_active).toEqual(before!.last_active);
    expect(await count(`select 1 from public.artist_activity_log where artist_id = $1`, bob.sub!)).toBe(0);
  });

  it('anon cannot call it', async () => {
    await expect(
      asUser(db.sql, anon, (tx) => tx`select public.update_artist_activity(${bob.sub!}, 'spoofed')`),
    ).rejects.toMatchObject(DENIED);
  });

  it('an artist cannot log activity for someone else directly', async () => {
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      insert into public.artist_activity_log (artist_id, activity_type) values (${bob.sub!}, 'spoofed')`,
      ),
    ).rejects.toMatchObject(DENIED);
  });
});

describe('H5 an artist cannot change its billing fields', () => {
  const billing: Array<[string, string]> = [
    ['subscription_tier', `'premium'`],
    ['subscription_status', `'active'`],
    ['subscription_ends_at', `now() + interval '10 years'`],
    ['trial_ends_at', `now() + interval '10 years'`],
    ['stripe_customer_id', `'cus_someone_else'`],
  ];
  for (const [column, value] of billing) {
    it(`${column} is not writable`, async () => {
      await expect(
        asUser(db.sql, alice, (tx) =>
          tx.unsafe(`update public.artists set ${column} = ${value} where id = $1`, [alice.sub!]),
        ),
      ).rejects.toMatchObject(DENIED);
    });
  }

  it('the row is unchanged', async () => {
    const [row] =
      await db.sql`select subscription_tier, subscription_status, subscription_ends_at, trial_ends_at, stripe_customer_id
                               from public.artists where id = ${alice.sub!}`;
    expect(row).toEqual({
      subscription_tier: 'free',
      subscription_status: 'inactive',
      subscription_ends_at: null,
      trial_ends_at: null,
      stripe_customer_id: null,
    });
  });
});

describe('H6 sign-up creates a free, inactive row with the account email', () => {
  it('cannot sign up already paid', async () => {
    await expect(
      asUser(
        db.sql,
        carol,
        (tx) => tx`
      insert into public.artists (id, name, subscription_tier) values (${carol.sub!}, 'carol', 'premium')`,
      ),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(
        db.sql,
        carol,
        (tx) => tx`
      insert into public.artists (id, name, subscription_status, trial_ends_at) values (${carol.sub!}, 'carol', 'active', now() + interval '1 year')`,
      ),
    ).rejects.toMatchObject(DENIED);
  });

  it('cannot sign up with an email that is not its own', async () => {
    await expect(
      asUser(
        db.sql,
        carol,
        (tx) => tx`
      insert into public.artists (id, email, name) values (${carol.sub!}, 'ceo@dreamsuite.test', 'carol')`,
      ),
    ).rejects.toMatchObject(DENIED);
  });

  it('cannot create a row for another user', async () => {
    const dave = await authUser('dave');
    await expect(
      asUser(
        db.sql,
        carol,
        (tx) => tx`
      insert into public.artists (id, name) values (${dave.sub!}, 'dave')`,
      ),
    ).rejects.toMatchObject(DENIED);
    expect(await count(`select 1 from public.artists where id = $1`, dave.sub!)).toBe(0);
  });

  it('anon cannot sign up', async () => {
    await expect(
      asUser(db.sql, anon, (tx) => tx`insert into public.artists (id, name) values (${carol.sub!}, 'carol')`),
    ).rejects.toMatchObject(DENIED);
  });

  it('the sign-up that remains gives safe defaults', async () => {
    const row = await asUser(
      db.sql,
      carol,
      async (tx) =>
        (
          await tx`
      insert into public.artists (name) values ('carol')
      returning id, email, subscription_tier, subscription_status, stripe_customer_id, trial_ends_at`
        )[0],
    );
    expect(row).toEqual({
      id: carol.sub,
      email: carol.email,
      subscription_tier: 'free',
      subscription_status: 'inactive',
      stripe_customer_id: null,
      trial_ends_at: null,
    });
  });
});

describe('H7 notifications: the owner may only mark them opened / acted on', () => {
  const forbidden: Array<[string, string]> = [
    ['title', `'pwned'`],
    ['body', `'pwned'`],
    ['type', `'achievement'`],
    ['push_sent', 'false'],
    ['push_token_used', `'tok'`],
    ['scheduled_for', 'now()'],
    ['artist_id', 'artist_id'],
  ];
  for (const [column, value] of forbidden) {
    it(`${column} is not writable`, async () => {
      await expect(
        asUser(db.sql, alice, (tx) =>
          tx.unsafe(`update public.notifications set ${column} = ${value} where id = $1`, [ids.aliceNotification!]),
        ),
      ).rejects.toMatchObject(DENIED);
    });
  }

  it("marking another artist's notification opened changes nothing", async () => {
    const updated = await asUser(
      db.sql,
      alice,
      async (tx) =>
        (
          await tx`
      update public.notifications set opened = true, opened_at = now() where id = ${ids.bobNotification!}`
        ).count,
    );
    expect(updated).toBe(0);
    expect(await count(`select 1 from public.notifications where id = $1 and opened`, ids.bobNotification!)).toBe(0);
  });

  it('nobody creates or deletes notifications through the API', async () => {
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      insert into public.notifications (artist_id, type, title, body) values (${alice.sub!}, 'system', 'x', 'y')`,
      ),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(db.sql, alice, (tx) => tx`delete from public.notifications where id = ${ids.aliceNotification!}`),
    ).rejects.toMatchObject(DENIED);
  });
});

describe('H8 unique constraints are not an oracle for private values', () => {
  it('sign-up with a registered and an unregistered email fail alike, without a unique violation', async () => {
    const erin = await authUser('erin');
    const attempt = (email: string) =>
      asUser(
        db.sql,
        erin,
        (tx) => tx`
      insert into public.artists (id, email, name) values (${erin.sub!}, ${email}, 'erin')`,
      ).catch((e: unknown) => e);
    const taken = (await attempt(alice.email!)) as { code?: string; message?: string };
    const free = (await attempt('nobody@example.test')) as { code?: string; message?: string };
    expect(taken.code).toBe('42501');
    expect({ code: free.code, message: free.message }).toEqual({ code: taken.code, message: taken.message });
  });

  it('stripe_customer_id cannot be probed', async () => {
    const probe = (value: string) =>
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      update public.artists set stripe_customer_id = ${value} where id = ${alice.sub!}`,
      ).catch((e: unknown) => e);
    const taken = (await probe('cus_bob')) as { code?: string };
    const free = (await probe('cus_nobody')) as { code?: string };
    expect(taken.code).toBe('42501');
    expect(free.code).toBe('42501');
  });

  it('the only unique values a client can write are its own id and its public username', async () => {
    const rows = await db.sql<{ col: string }[]>`
      select c.relname || '.' || a.attname as col
      from pg_index i
      join pg_class c on c.oid = i.indrelid
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum = any (i.indkey)
      where n.nspname = 'public' and i.indisunique and c.relkind in ('r', 'p')
        and (has_column_privilege('authenticated', c.oid, a.attnum, 'INSERT')
             or has_column_privilege('authenticated', c.oid, a.attnum, 'UPDATE'))
      order by 1`;
    // artists.id: RLS requires it to be the caller's own uid, checked before the index.
    // artists.email: the insert trigger refuses any value but the account's own (test above).
    // artists.username: a public handle; "taken" is the answer sign-up must give.
    // content.id, tasks.id: offline-created records carry the random uuid the device generated
    // (docs/sync.md); a collision only answers for an id one already knows.
    expect(rows.map((r) => r.col)).toEqual([
      'artists.email',
      'artists.id',
      'artists.username',
      'content.id',
      'tasks.id',
    ]);
  });
});

describe('H9 platform_connections: no tokens to the client, no claiming accounts', () => {
  it('token columns are not readable, not even your own', async () => {
    await expect(
      asUser(db.sql, alice, (tx) => tx`select access_token_encrypted from public.platform_connections`, {
        readOnly: true,
      }),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(db.sql, alice, (tx) => tx`select refresh_token_encrypted from public.platform_connections`, {
        readOnly: true,
      }),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(db.sql, alice, (tx) => tx`select * from public.platform_connections`, { readOnly: true }),
    ).rejects.toMatchObject(DENIED);
  });

  it("another artist's connections are invisible", async () => {
    const rows = await asUser(
      db.sql,
      alice,
      (tx) => tx`
      select platform, platform_user_id from public.platform_connections`,
      { readOnly: true },
    );
    expect(rows).toEqual([{ platform: 'spotify', platform_user_id: 'sp-alice' }]);
  });

  it("cannot claim another person's platform account", async () => {
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      insert into public.platform_connections (artist_id, platform, platform_user_id) values (${alice.sub!}, 'instagram', 'ig-bob')`,
      ),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      update public.platform_connections set platform_user_id = 'ig-bob' where artist_id = ${alice.sub!}`,
      ),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      delete from public.platform_connections where platform_user_id = 'ig-bob'`,
      ),
    ).rejects.toMatchObject(DENIED);
  });

  it('even the server cannot link one platform account to two artists', async () => {
    await expect(
      asUser(
        db.sql,
        { role: 'service_role' },
        (tx) => tx`
      insert into public.platform_connections (artist_id, platform, platform_user_id) values (${alice.sub!}, 'instagram', 'ig-bob')`,
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });
});

describe('H10 no self-minted tasks or insights', () => {
  const forged: Array<[string, string]> = [
    ['points_reward', '1000000'],
    ['completed', 'true'],
    ['completed_at', `now() - interval '30 days'`],
    ['ai_generated', 'true'],
    ['streak_applicable', 'true'],
  ];
  for (const [column, value] of forged) {
    it(`cannot create a task with ${column}`, async () => {
      await expect(
        asUser(db.sql, alice, (tx) =>
          tx.unsafe(`insert into public.tasks (artist_id, title, ${column}) values ($1, 'mint', ${value})`, [
            alice.sub!,
          ]),
        ),
      ).rejects.toMatchObject(DENIED);
    });
  }

  it('cannot raise the points or backdate completion of an existing task', async () => {
    await expect(
      asUser(db.sql, alice, (tx) => tx`update public.tasks set points_reward = 1000000 where id = ${ids.aliceTask!}`),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      update public.tasks set completed = true, completed_at = now() - interval '30 days' where id = ${ids.aliceTask!}`,
      ),
    ).rejects.toMatchObject(DENIED);
  });

  it('cannot create a task for another artist or hang it on their insight', async () => {
    await expect(
      asUser(db.sql, alice, (tx) => tx`insert into public.tasks (artist_id, title) values (${bob.sub!}, 'x')`),
    ).rejects.toMatchObject(DENIED);
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      insert into public.tasks (title, parent_insight_id) values ('x', ${ids.bobInsight!})`,
      ),
    ).rejects.toMatchObject(DENIED);
  });

  it("cannot complete or delete another artist's task", async () => {
    const n = await asUser(db.sql, alice, async (tx) => {
      const u = await tx`update public.tasks set completed = true where id = ${ids.bobTask!}`;
      const d = await tx`delete from public.tasks where id = ${ids.bobTask!}`;
      return u.count + d.count;
    });
    expect(n).toBe(0);
    expect(await count(`select 1 from public.tasks where id = $1 and not completed`, ids.bobTask!)).toBe(1);
  });

  it('cannot create insights', async () => {
    await expect(
      asUser(
        db.sql,
        alice,
        (tx) => tx`
      insert into public.insights (artist_id, type, title, created_by) values (${alice.sub!}, 'growth', 'fake AI insight', 'ai')`,
      ),
    ).rejects.toMatchObject(DENIED);
  });

  it('may only file insights (status, read_at, dismissed_at), not rewrite them', async () => {
    for (const assignment of [
      `title = 'rewritten'`,
      `priority = 'high'`,
      `recommendations = '[]'`,
      `created_by = 'ai'`,
      `confidence_score = 1`,
    ]) {
      await expect(
        asUser(db.sql, alice, (tx) =>
          tx.unsafe(`update public.insights set ${assignment} where id = $1`, [ids.aliceInsight!]),
        ),
      ).rejects.toMatchObject(DENIED);
    }
    await expect(
      asUser(db.sql, alice, (tx) => tx`delete from public.insights where id = ${ids.aliceInsight!}`),
    ).rejects.toMatchObject(DENIED);
  });

  it("filing another artist's insight changes nothing", async () => {
    const n = await asUser(
      db.sql,
      alice,
      async (tx) =>
        (
          await tx`
      update public.insights set status = 'dismissed' where id = ${ids.bobInsight!}`
        ).count,
    );
    expect(n).toBe(0);
  });
});

describe('N1 a forged role claim grants nothing', () => {
  const forger = (): Actor => ({ ...alice, claims: { role: 'service_role' } });

  it('an authenticated request claiming service_role is still alice', async () => {
    await expect(
      asUser(
        db.sql,
        forger(),
        (tx) => tx`
      insert into public.metrics (artist_id, platform, metric_date) values (${alice.sub!}, 'tiktok', current_date)`,
      ),
    ).rejects.toMatchObject(DENIED);
    const seen = await asUser(
      db.sql,
      forger(),
      async (tx) => ({
        auth_role: (await tx`select auth.role() as r`)[0]!.r,
        metrics: (await tx`select artist_id from public.metrics`).length,
        artists: (await tx`select id from public.artists`).map((r) => r.id),
        dashboard: (await tx`select public.get_dashboard_summary(${bob.sub!}) as d`)[0]!.d,
      }),
      { readOnly: true },
    );
    expect(seen).toEqual({ auth_role: 'service_role', metrics: 0, artists: [alice.sub], dashboard: null });
  });

  it('no policy reads a JWT claim to decide who is privileged', async () => {
    const rows = await db.sql`
      select tablename, policyname from pg_policies
      where schemaname = 'public'
        and (coalesce(qual, '') ~* 'jwt|auth\\.role\\(|service_role' or coalesce(with_check, '') ~* 'jwt|auth\\.role\\(|service_role')`;
    expect(rows).toEqual([]);
  });
});

describe('N2 no TRUNCATE (it ignores RLS) or other needless privileges for API roles', () => {
  it('anon and authenticated cannot truncate any table', async () => {
    const tables = await db.sql<{ t: string }[]>`
      select format('%I.%I', n.nspname, c.relname) as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`;
    expect(tables.length).toBeGreaterThanOrEqual(9);
    for (const actor of [anon, alice]) {
      for (const { t } of tables) {
        await expect(
          asUser(db.sql, actor, (tx) => tx.unsafe(`truncate ${t} cascade`), { rollback: true }),
        ).rejects.toMatchObject(DENIED);
      }
    }
    expect(await count(`select 1 from public.artists`)).toBeGreaterThanOrEqual(3);
  });

  it('no API role holds TRUNCATE, REFERENCES or TRIGGER on anything in public', async () => {
    const rows = await db.sql`
      select r.role, c.relname, p.priv
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      cross join (values ('anon'), ('authenticated'), ('service_role')) r(role)
      cross join (values ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')) p(priv)
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
        and has_table_privilege(r.role, c.oid, p.priv)`;
    expect(rows).toEqual([]);
  });

  it('anon holds no privilege at all on any table in public', async () => {
    const rows = await db.sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
        and (has_table_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, DELETE')
             or has_any_column_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE'))`;
    expect(rows).toEqual([]);
  });

  it('new tables in public start closed to anon and authenticated', async () => {
    await db.sql`create table public.n2_probe (id int)`;
    try {
      const [row] = await db.sql`select has_table_privilege('anon', 'public.n2_probe', 'SELECT') as anon,
                                        has_table_privilege('authenticated', 'public.n2_probe', 'SELECT') as authenticated`;
      expect(row).toEqual({ anon: false, authenticated: false });
    } finally {
      await db.sql`drop table public.n2_probe`;
    }
  });
});

describe('N3 EXECUTE only where intended', () => {
  it('anon can execute no function in public; authenticated only the ones the app calls', async () => {
    const rows = await db.sql<{ role: string; fn: string }[]>`
      select r.role, p.oid::regprocedure::text as fn
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      cross join (values ('anon'), ('authenticated')) r(role)
      where n.nspname = 'public' and has_function_privilege(r.role, p.oid, 'EXECUTE')
      order by 1, 2`;
    expect(rows).toEqual([
      { role: 'authenticated', fn: 'calculate_growth_streak(uuid,text)' },
      { role: 'authenticated', fn: 'get_dashboard_summary(uuid)' },
      { role: 'authenticated', fn: 'sync_pull(text,integer)' },
      { role: 'authenticated', fn: 'sync_push(jsonb)' },
      { role: 'authenticated', fn: 'update_artist_activity(uuid,text)' },
    ]);
  });

  it('anon is refused each of them', async () => {
    for (const call of [
      `select public.get_dashboard_summary()`,
      `select public.update_artist_activity('${bob.sub}', 'x')`,
      `select public.calculate_growth_streak('${bob.sub}', 'spotify')`,
    ]) {
      await expect(asUser(db.sql, anon, (tx) => tx.unsafe(call))).rejects.toMatchObject(DENIED);
    }
  });

  it('the SECURITY DEFINER trigger function cannot be called', async () => {
    await expect(asUser(db.sql, alice, (tx) => tx`select public.artists_set_email()`)).rejects.toMatchObject(DENIED);
  });

  it('new functions in public start without the Supabase grants to the API roles', async () => {
    // PUBLIC keeps Postgres' built-in EXECUTE on new functions (it cannot be removed per schema),
    // so each migration still revokes per function; the grants Supabase adds are gone (and since
    // the 2026-10-30 Data API default, service_role's too).
    await db.sql`create function public.n3_probe() returns int language sql as 'select 1'`;
    try {
      const grantees = await db.sql<{ grantee: string }[]>`
        select coalesce(r.rolname, 'PUBLIC') as grantee
        from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        left join pg_roles r on r.oid = a.grantee
        where p.proname = 'n3_probe' and a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner`;
      expect(grantees.map((g) => g.grantee)).toEqual(['PUBLIC']);
    } finally {
      await db.sql`drop function public.n3_probe()`;
    }
  });
});
