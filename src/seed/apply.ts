/**
 * Applying fixtures: one transaction per file, together with its row in the Supabase CLI's
 * `supabase_migrations.seed_files (path, hash)`, so an unchanged file is skipped and a changed one
 * is re-applied. Rows are upserted by their stable ids, so re-applying never duplicates.
 */
import type postgres from 'postgres';
import type { Sql } from '../db/connect.js';
import type { FixtureRows, LoadedFixture } from './fixtures.js';
import { GOTRUE_EMPTY_STRING_COLUMNS } from './tables.js';

type Tx = postgres.TransactionSql<Record<string, unknown>>;

/** The development password of every seeded user: a fixture value, the same in every project (docs/seed.md). */
export const DEV_PASSWORD = 'dreamsuite-dev';

/** The Supabase CLI's seed ledger; created here when missing, exactly as the CLI creates it. */
export async function ensureSeedLedger(sql: Sql): Promise<void> {
  await sql`create schema if not exists supabase_migrations`;
  await sql`create table if not exists supabase_migrations.seed_files (path text not null primary key, hash text not null)`;
}

export async function readSeedHashes(sql: Sql): Promise<Map<string, string>> {
  const [exists] = await sql<{ ok: boolean }[]>`select to_regclass('supabase_migrations.seed_files') is not null as ok`;
  if (!exists?.ok) return new Map();
  const rows = await sql<{ path: string; hash: string }[]>`select path, hash from supabase_migrations.seed_files`;
  return new Map(rows.map((r) => [r.path, r.hash]));
}

/** auth.users columns that exist only on Supabase and must not be NULL for Supabase Auth. */
export async function gotrueTokenColumns(sql: Sql | Tx): Promise<string[]> {
  const rows = await sql<{ column_name: string }[]>`
    select column_name from information_schema.columns
    where table_schema = 'auth' and table_name = 'users' and column_name in ${sql(GOTRUE_EMPTY_STRING_COLUMNS as unknown as string[])}
    order by column_name`;
  return rows.map((r) => r.column_name);
}

/** `a = excluded.a, b = excluded.b` for the columns. */
function assignments(tx: Tx, columns: readonly string[]) {
  return columns.map((c, i) => (i === 0 ? tx`${tx(c)} = excluded.${tx(c)}` : tx`, ${tx(c)} = excluded.${tx(c)}`));
}

/**
 * INSERT ... SELECT FROM jsonb_populate_recordset(table) ON CONFLICT DO UPDATE: one statement per
 * table, one parameter, columns typed by the table itself.
 */
async function upsert(
  tx: Tx,
  table: string,
  rows: Record<string, unknown>[],
  conflict: readonly string[],
): Promise<number> {
  if (!rows.length) return 0;
  const columns = Object.keys(rows[0]!);
  const update = columns.filter((c) => c !== 'id' && !conflict.includes(c));
  const result = await tx`
    insert into ${tx(table)} (${tx(columns)})
    select ${tx(columns)} from jsonb_populate_recordset(null::${tx(table)}, ${tx.json(rows as postgres.JSONValue)})
    on conflict (${tx(conflict as string[])}) do update set ${assignments(tx, update)}`;
  return result.count;
}

async function upsertAuthUser(
  tx: Tx,
  user: FixtureRows['authUser'],
  gotrue: readonly string[],
  supabase: boolean,
): Promise<void> {
  // The password is hashed only when the user is new: re-applying a fixture keeps a changed one.
  await tx`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                            raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', ${user.id}, 'authenticated', 'authenticated', ${user.email},
            extensions.crypt(${DEV_PASSWORD}, extensions.gen_salt('bf')), ${user.createdAt},
            '{"provider":"email","providers":["email"]}', ${tx.json(user.meta as postgres.JSONValue)}, ${user.createdAt}, now())
    on conflict (id) do update set email = excluded.email, raw_user_meta_data = excluded.raw_user_meta_data, updated_at = now()`;
  for (const column of gotrue) {
    await tx`update auth.users set ${tx(column)} = coalesce(${tx(column)}, '') where id = ${user.id}`;
  }
  if (supabase) {
    // Supabase Auth signs email users in through their identity row.
    await tx`
      insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
      values (${user.id}, ${user.id}, jsonb_build_object('sub', ${user.id}::text, 'email', ${user.email}::text, 'email_verified', true),
              'email', now(), now(), now())
      on conflict do nothing`;
  }
}

export interface ApplyContext {
  gotrueColumns: readonly string[];
  supabase: boolean;
}

/** Writes one fixture file's rows and its seed_files row, in the caller's transaction. */
export async function applyFixtureRows(
  tx: Tx,
  fixture: LoadedFixture,
  rows: FixtureRows,
  context: ApplyContext,
): Promise<number> {
  await upsertAuthUser(tx, rows.authUser, context.gotrueColumns, context.supabase);
  let count = 1;
  count += await upsert(tx, 'public.artists', [rows.artist], ['id']);
  count += await upsert(tx, 'public.platform_connections', rows.connections, ['id']);
  for (let at = 0; at < rows.metrics.length; at += 5_000) {
    count += await upsert(tx, 'public.metrics', rows.metrics.slice(at, at + 5_000), [
      'artist_id',
      'platform',
      'metric_date',
    ]);
  }
  count += await upsert(tx, 'public.insights', rows.insights, ['id']);
  count += await upsert(tx, 'public.tasks', rows.tasks, ['id']);
  count += await upsert(tx, 'public.achievements', rows.achievements, ['id']);
  count += await upsert(tx, 'public.content', rows.content, ['id']);
  count += await upsert(tx, 'public.notifications', rows.notifications, ['id']);
  await tx`
    insert into supabase_migrations.seed_files (path, hash) values (${fixture.path}, ${fixture.hash})
    on conflict (path) do update set hash = excluded.hash`;
  return count;
}
