/**
 * `dreamdb gen types` on the Dream Suite schema: the client's types say exactly what Postgres lets
 * `authenticated` do (checked column by column with EXPLAIN as the role, which runs Postgres's own
 * privilege check), CHECK columns are unions, nothing internal leaks, the output is byte-for-byte
 * stable, and DashboardSummary is what get_dashboard_summary really returns.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, type Actor } from '../../src/db/impersonate.js';
import type { Generated } from '../../src/typegen/generate.js';
import { printType, type TsType } from '../../src/typegen/ts.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { generate, names, table } from './helpers.js';

let db: TestDatabase;
let generated: Generated;

beforeAll(async () => {
  db = await migratedDatabase('typegen');
  generated = await generate(db.sql);
});
afterAll(async () => {
  await db?.drop();
});

const PLATFORMS = '"instagram" | "spotify" | "youtube" | "tiktok" | "apple_music"';

/** Whether Postgres lets authenticated plan the statement: EXPLAIN runs the privilege check. */
async function allowed(statement: string): Promise<boolean> {
  try {
    await asUser(db.sql, { role: 'authenticated', sub: randomUUID() }, (tx) => tx.unsafe(`EXPLAIN ${statement}`), {
      rollback: true,
    });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') return false;
    throw error;
  }
}

describe('Database (the client) tells the truth about authenticated', () => {
  it('has, for every table, exactly the columns authenticated may read, insert and update', async () => {
    const tables = generated.model.client.find((s) => s.name === 'public')!.tables;
    expect(tables.map((t) => t.name)).toEqual([
      'achievements',
      'artist_activity_log',
      'artists',
      'content',
      'insights',
      'metrics',
      'notifications',
      'platform_connections',
      'tasks',
    ]);
    let checked = 0;
    for (const t of tables) {
      const columns = await db.sql<{ name: string; generated: boolean }[]>`
        select a.attname as name, (a.attgenerated <> '' or a.attidentity = 'a') as generated
        from pg_attribute a where a.attrelid = ${`public.${t.name}`}::regclass and a.attnum > 0 and not a.attisdropped`;
      const row = new Set(names(t.row));
      const insert = new Set(names(t.insert));
      const update = new Set(names(t.update));
      for (const c of columns) {
        const col = `"${c.name}"`;
        expect(await allowed(`SELECT ${col} FROM public.${t.name}`), `${t.name}.${c.name} in Row`).toBe(
          row.has(c.name),
        );
        if (c.generated) continue;
        expect(
          await allowed(`INSERT INTO public.${t.name} (${col}) VALUES (DEFAULT)`),
          `${t.name}.${c.name} in Insert`,
        ).toBe(insert.has(c.name));
        expect(await allowed(`UPDATE public.${t.name} SET ${col} = DEFAULT`), `${t.name}.${c.name} in Update`).toBe(
          update.has(c.name),
        );
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('leaves billing, platform flags, tokens, points and AI output out of what the app may write', () => {
    const artists = table(generated.model.client, 'artists')!;
    for (const column of [
      'subscription_status',
      'subscription_tier',
      'stripe_customer_id',
      'trial_ends_at',
      'subscription_ends_at',
      'spotify_connected',
    ]) {
      expect(names(artists.insert)).not.toContain(column);
      expect(names(artists.update)).not.toContain(column);
      expect(names(artists.row)).toContain(column); // the app shows the plan; it cannot change it
    }
    const connections = table(generated.model.client, 'platform_connections')!;
    expect(names(connections.row)).not.toContain('access_token_encrypted');
    expect(names(connections.row)).not.toContain('refresh_token_encrypted');
    expect(connections.doc).toMatch(/select\("\*"\) is refused/);
    expect(connections.insert).toBeNull();
    expect(connections.update).toBeNull();
    for (const name of ['metrics', 'achievements']) {
      expect(table(generated.model.client, name)!.insert, name).toBeNull();
      expect(table(generated.model.client, name)!.update, name).toBeNull();
    }
    expect(names(table(generated.model.client, 'insights')!.update)).toEqual(['dismissed_at', 'read_at', 'status']);
    expect(names(table(generated.model.client, 'notifications')!.update)).toEqual([
      'action_taken',
      'opened',
      'opened_at',
    ]);
    const tasks = table(generated.model.client, 'tasks')!;
    for (const column of ['points_reward', 'ai_generated', 'completed_at', 'streak_applicable'])
      expect(names(tasks.insert)).not.toContain(column);
    expect(tasks.insert!.find((f) => f.name === 'title')!.optional).toBeFalsy();
    expect(tasks.insert!.find((f) => f.name === 'artist_id')!.optional).toBe(true); // DEFAULT auth.uid()
  });

  it('keeps full types for the server', () => {
    const artists = table(generated.model.server, 'artists')!;
    expect(names(artists.update)).toEqual(
      expect.arrayContaining(['subscription_tier', 'stripe_customer_id', 'spotify_connected']),
    );
    expect(names(table(generated.model.server, 'platform_connections')!.row)).toContain('access_token_encrypted');
    expect(names(table(generated.model.server, 'metrics')!.insert)).toContain('followers');
    expect(generated.text).toContain('export type ServiceDatabase = {');
  });

  it('types CHECK (col IN (...)) columns as unions of their values', () => {
    const type = (rel: string, col: string, schemas = generated.model.client) =>
      printType(table(schemas, rel)!.row.find((f) => f.name === col)!.type, 0);
    expect(type('metrics', 'platform')).toBe(PLATFORMS);
    expect(type('content', 'platform')).toBe('"instagram" | "youtube" | "tiktok" | "spotify" | null');
    expect(type('artists', 'subscription_tier')).toBe('"free" | "pro" | "premium"');
    expect(type('insights', 'status')).toBe('"unread" | "read" | "actioned" | "dismissed"');
    expect(type('tasks', 'difficulty')).toBe('"easy" | "medium" | "hard"');
    expect(type('artist_activity_log', 'activity_type')).toBe('string'); // char_length CHECK: no union
    expect(type('metrics', 'followers')).toBe('number');
  });

  it('offers only the functions authenticated may execute', async () => {
    const fns = generated.model.client.find((s) => s.name === 'public')!.functions.map((f) => f.name);
    const executable = await db.sql<{ name: string }[]>`
      select p.proname as name from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.prorettype <> 'trigger'::regtype
        and has_function_privilege('authenticated', p.oid, 'EXECUTE') order by 1`;
    expect(fns).toEqual(executable.map((r) => r.name));
    expect(fns).toEqual([
      'calculate_growth_streak',
      'get_dashboard_summary',
      'sync_pull',
      'sync_push',
      'update_artist_activity',
    ]);
    expect(generated.text).not.toMatch(
      /update_updated_at_column|artists_set_email|tasks_set_completed_at|stamp_row|log_change|log_artist_change|safe_horizon/,
    );
  });

  it('never lets partitions or internal schemas leak', async () => {
    const partitions = await db.sql<
      { name: string }[]
    >`select relname as name from pg_class where relispartition and relnamespace = 'public'::regnamespace`;
    expect(partitions.length).toBeGreaterThan(0);
    for (const p of partitions) expect(generated.text).not.toContain(p.name);
    const body = generated.text
      .split('\n')
      .filter((l) => !l.startsWith('// '))
      .join('\n'); // the header names dreamdb
    for (const internal of [
      'dreamdb',
      'supabase_migrations',
      'schema_migrations',
      'auth',
      'storage',
      'buckets',
      'users',
      'metrics_partition',
    ]) {
      expect(body, internal).not.toMatch(new RegExp(`\\b${internal}\\b`));
    }
    // artists.id references auth.users: not a relationship the API can embed.
    expect(table(generated.model.client, 'artists')!.relationships).toEqual([]);
  });

  it('is deterministic: the same schema gives the same bytes, on another database too', async () => {
    const again = await generate(db.sql);
    expect(again.text).toBe(generated.text);
    const other = await migratedDatabase('typegen_again');
    try {
      expect((await generate(other.sql)).text).toBe(generated.text);
    } finally {
      await other.drop();
    }
    expect(generated.text).toMatch(/^\/\/ Generated by dreamdb 0\.0\.0-test \(dreamdb gen types --schema public\)/);
    expect(generated.text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/); // no timestamp
  });
});

describe('DashboardSummary', () => {
  let erin: Actor;

  async function authUser(name: string): Promise<Actor> {
    const id = randomUUID();
    const email = `${name}@example.test`;
    await db.sql`insert into auth.users (id, email, aud, role) values (${id}, ${email}, 'authenticated', 'authenticated')`;
    await db.sql`insert into public.artists (id, email, name) values (${id}, ${email}, ${name})`;
    return { role: 'authenticated', sub: id, email };
  }

  const summaryOf = (actor: Actor, artistId?: string) =>
    asUser(
      db.sql,
      actor,
      async (tx) => {
        const [row] = artistId
          ? await tx`select public.get_dashboard_summary(${artistId}) as d`
          : await tx`select public.get_dashboard_summary() as d`;
        return row!.d as unknown;
      },
      { readOnly: true },
    );

  beforeAll(async () => {
    erin = await authUser('erin');
    const e = erin.sub!;
    await db.sql`insert into public.metrics (artist_id, platform, metric_date, followers, follower_growth_rate)
                 values (${e}, 'spotify', current_date, 1200, 2.5), (${e}, 'instagram', current_date - 1, 800, 0)`;
    await db.sql`insert into public.insights (artist_id, type, title, priority) values (${e}, 'growth', 'Post more reels', 'high')`;
    await db.sql`insert into public.tasks (artist_id, title, due_date, impact_score) values (${e}, 'Record a teaser', current_date + 2, 9), (${e}, 'Someday', null, 3)`;
    await db.sql`insert into public.achievements (artist_id, type, name, points_awarded) values (${e}, 'streak', 'Three days', 30)`;
    await db.sql`insert into public.tasks (artist_id, title, completed) values (${e}, 'Done today', true)`;
  });

  it('is read from the function definition, each leaf typed from its column', () => {
    const named = generated.model.named.find((n) => n.name === 'DashboardSummary');
    expect(named).toBeDefined();
    const text = printType(named!.type, 0);
    expect(text).toContain(`platform: ${PLATFORMS}`);
    expect(text).toContain('due_date: string | null');
    expect(text).toContain('priority: "high" | "medium" | "low"');
    expect(text).toContain('total_points: number');
    expect(generated.text).toMatch(
      /get_dashboard_summary: \{\n\s+Args: \{\n\s+p_artist_id\?: string\n\s+\}\n\s+Returns: DashboardSummary \| null/,
    );
  });

  it('matches, key for key and value for value, what the function returns on seeded rows', async () => {
    const value = await summaryOf(erin);
    const named = generated.model.named.find((n) => n.name === 'DashboardSummary')!;
    expect(mismatches(value, named.type, '$')).toEqual([]);
    // Every array had rows, so element keys were compared too.
    const v = value as Record<string, unknown[]>;
    for (const key of ['metrics', 'recent_insights', 'pending_tasks', 'recent_achievements'])
      expect(v[key]!.length, key).toBeGreaterThan(0);
    expect(Object.keys(value as object).sort()).toEqual(
      names((named.type as Extract<TsType, { kind: 'object' }>).fields),
    );
  });

  it('is null for another artist, as the type says', async () => {
    const other = await authUser('frank');
    expect(await summaryOf(other, erin.sub)).toBeNull();
    const fresh = await summaryOf(other);
    const named = generated.model.named.find((n) => n.name === 'DashboardSummary')!;
    expect(mismatches(fresh, named.type, '$')).toEqual([]); // empty sections are [] and 0, not null
  });
});

/** Where a JSON value does not fit a generated type; empty when it fits. */
function mismatches(value: unknown, type: TsType, at: string): string[] {
  switch (type.kind) {
    case 'keyword':
      if (type.name === 'unknown') return [];
      if (type.name === 'null') return value === null ? [] : [`${at}: expected null, got ${JSON.stringify(value)}`];
      return typeof value === type.name ? [] : [`${at}: expected ${type.name}, got ${JSON.stringify(value)}`];
    case 'literal':
      return value === type.value
        ? []
        : [`${at}: expected ${JSON.stringify(type.value)}, got ${JSON.stringify(value)}`];
    case 'ref':
      return type.text === 'Json' ? [] : [`${at}: cannot check ${type.text}`];
    case 'union':
      return type.members.some((m) => mismatches(value, m, at).length === 0)
        ? []
        : [`${at}: ${JSON.stringify(value)} is not ${printType(type, 0)}`];
    case 'array':
    case 'tuple':
      if (!Array.isArray(value)) return [`${at}: expected an array, got ${JSON.stringify(value)}`];
      return value.flatMap((v, i) =>
        mismatches(
          v,
          type.kind === 'array' ? type.element : (type.items[i] ?? { kind: 'keyword', name: 'never' }),
          `${at}[${i}]`,
        ),
      );
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value))
        return [`${at}: expected an object, got ${JSON.stringify(value)}`];
      const record = value as Record<string, unknown>;
      const expected = type.fields.map((f) => f.name).sort();
      const actual = Object.keys(record).sort();
      const out =
        JSON.stringify(expected) === JSON.stringify(actual)
          ? []
          : [`${at}: keys ${actual.join(',')} but the type has ${expected.join(',')}`];
      return [
        ...out,
        ...type.fields.flatMap((f) => (f.name in record ? mismatches(record[f.name], f.type, `${at}.${f.name}`) : [])),
      ];
    }
  }
}
