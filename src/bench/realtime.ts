/**
 * Realtime, the database's part. For each change (a committed insert of a metric, insight or
 * achievement by the server): the time from the commit until logical decoding of the
 * supabase_realtime publication returns it (a temporary pgoutput slot, polled the way a realtime
 * server reads it), plus the per-subscriber RLS check Supabase Realtime runs for each change
 * (realtime.apply_rls: for each subscriber, set the role and that subscriber's claims, then run one
 * prepared statement that selects the changed row through RLS). The check runs in a pg_temp
 * function on the slot's connection; function, slot and the inserted rows are removed at the end,
 * also on error.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Sql } from '../db/connect.js';
import { asUser, claimsFor } from '../db/impersonate.js';
import { summarize, type Summary } from './stats.js';
import type { BenchArtist } from './workload.js';

export interface RealtimeLevel {
  subscribers: number;
  /** Subscribers that are seeded artists (the rest are signed-in users with no rows). */
  realArtists: number;
  changes: number;
  /** Commit → change returned by logical decoding. */
  decode: Summary;
  /** The per-subscriber RLS checks for one change. */
  rlsCheck: Summary;
  /** decode + rlsCheck. */
  total: Summary;
  /** Every change was visible to exactly its owner among the subscribers. */
  visibilityCorrect: boolean;
}

export interface RealtimeResult {
  skipped?: string;
  plugin: 'pgoutput';
  published: string[];
  levels: RealtimeLevel[];
}

const CHECK_FUNCTION = `
create function pg_temp.dreamdb_bench_visible(p_query text, p_claims text[]) returns integer
language plpgsql as $fn$
declare
  c text;
  visible boolean;
  n integer := 0;
begin
  execute 'prepare dreamdb_bench_rls as ' || p_query;
  perform set_config('role', 'authenticated', true);
  foreach c in array p_claims loop
    perform set_config('request.jwt.claims', c, true);
    execute 'execute dreamdb_bench_rls' into visible;
    if visible then n := n + 1; end if;
  end loop;
  deallocate dreamdb_bench_rls;
  return n;
end
$fn$`;

type Kind = 'metrics' | 'insights' | 'achievements';
const KINDS: Kind[] = ['metrics', 'insights', 'achievements'];

export async function measureRealtime(
  url: string,
  writer: Sql,
  artists: BenchArtist[],
  options: { levels: number[]; changesPerLevel: number; onProgress?: (text: string) => void },
): Promise<RealtimeResult> {
  const base: RealtimeResult = { plugin: 'pgoutput', published: [], levels: [] };
  const [w] = await writer<{ wal: string }[]>`select current_setting('wal_level') as wal`;
  const published = (await writer<{ t: string }[]>`
    select tablename as t from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' order by 1`).map((r) => r.t);
  base.published = published;
  if (w!.wal !== 'logical') return { ...base, skipped: `wal_level is ${w!.wal}; logical decoding needs wal_level=logical (as on Supabase and the embedded server)` };
  const missing = KINDS.filter((k) => !published.includes(k));
  if (missing.length) return { ...base, skipped: `supabase_realtime does not publish ${missing.join(', ')}` };
  if (!artists.length) return { ...base, skipped: 'no artists' };

  const slot = `dreamdb_bench_${randomBytes(4).toString('hex')}`;
  const conn = connect(url, { max: 1, connection: { application_name: 'dreamdb bench realtime' } });
  const inserted: Record<Kind, { id: string; date?: string }[]> = { metrics: [], insights: [], achievements: [] };
  let created = false;
  try {
    await conn`select pg_create_logical_replication_slot(${slot}, 'pgoutput', true)`;
    created = true;
    await conn.unsafe(CHECK_FUNCTION);
    let change = 0;
    for (const subscribers of options.levels) {
      options.onProgress?.(`realtime: ${subscribers} subscriber(s)`);
      const decode: number[] = [];
      const rls: number[] = [];
      const total: number[] = [];
      let correct = true;
      for (let i = 0; i < options.changesPerLevel; i += 1, change += 1) {
        const owner = artists[change % artists.length]!;
        const kind = KINDS[change % KINDS.length]!;
        const row = await insertChange(writer, kind, owner, 1 + Math.floor(change / artists.length));
        inserted[kind].push(row);
        const committed = performance.now();
        let seen = 0;
        while (seen === 0) {
          const [r] = await conn<{ inserts: number }[]>`
            select count(*) filter (where get_byte(data, 0) = 73)::int as inserts
            from pg_logical_slot_get_binary_changes(${slot}, null, null, 'proto_version', '1', 'publication_names', 'supabase_realtime')`;
          seen += r!.inserts;
          if (performance.now() - committed > 10_000) throw new Error(`logical decoding did not return the ${kind} insert within 10 s`);
        }
        const decoded = performance.now() - committed;
        const claims = subscriberClaims(owner, artists, subscribers, change);
        const query = kind === 'metrics'
          ? `select exists (select 1 from public.metrics where id = '${row.id}' and metric_date = '${row.date}')`
          : `select exists (select 1 from public.${kind} where id = '${row.id}')`;
        let visible = 0;
        let checked = 0;
        await conn.begin(async (tx) => {
          const t = performance.now();
          const [v] = await tx<{ n: number }[]>`select pg_temp.dreamdb_bench_visible(${query}, ${claims}::text[]) as n`;
          checked = performance.now() - t;
          visible = v!.n;
        });
        if (visible !== 1) correct = false;
        decode.push(decoded);
        rls.push(checked);
        total.push(decoded + checked);
      }
      const realArtists = Math.min(subscribers, artists.length);
      base.levels.push({ subscribers, realArtists, changes: options.changesPerLevel, decode: summarize(decode), rlsCheck: summarize(rls), total: summarize(total), visibilityCorrect: correct });
    }
    return base;
  } finally {
    try {
      await conn`drop function if exists pg_temp.dreamdb_bench_visible(text, text[])`;
      if (created) await conn`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${slot}`;
    } finally {
      await conn.end({ timeout: 5 });
      await removeInserted(writer, inserted);
    }
  }
}

async function insertChange(writer: Sql, kind: Kind, owner: BenchArtist, dayAhead: number): Promise<{ id: string; date?: string }> {
  // Written by the server, as service_role, in its own committed transaction.
  return asUser(writer, { role: 'service_role' }, async (tx) => {
    if (kind === 'metrics') {
      const [r] = await tx<{ id: string; date: string }[]>`
        insert into public.metrics (artist_id, platform, metric_date, followers, collection_method)
        values (${owner.id}::uuid, 'instagram', current_date + ${dayAhead}::int, 1, 'dreamdb-bench')
        returning id::text, metric_date::text as date`;
      return r!;
    }
    if (kind === 'insights') {
      const [r] = await tx<{ id: string }[]>`
        insert into public.insights (artist_id, type, title, created_by) values (${owner.id}::uuid, 'growth', 'dreamdb bench', 'dreamdb-bench') returning id::text`;
      return r!;
    }
    const [r] = await tx<{ id: string }[]>`
      insert into public.achievements (artist_id, type, name) values (${owner.id}::uuid, 'badge', 'dreamdb bench') returning id::text`;
    return r!;
  });
}

/** The owner first, then other seeded artists, then signed-in users with no rows, as claims JSON. */
function subscriberClaims(owner: BenchArtist, artists: BenchArtist[], count: number, offset: number): string[] {
  const out = [JSON.stringify(claimsFor({ role: 'authenticated', sub: owner.id, email: owner.email }))];
  for (let i = 1; out.length < count && i < artists.length; i += 1) {
    const a = artists[(offset + i) % artists.length]!;
    if (a.id !== owner.id) out.push(JSON.stringify(claimsFor({ role: 'authenticated', sub: a.id, email: a.email })));
  }
  while (out.length < count) out.push(JSON.stringify(claimsFor({ role: 'authenticated', sub: randomUUID(), email: '' })));
  return out;
}

async function removeInserted(writer: Sql, inserted: Record<Kind, { id: string; date?: string }[]>): Promise<void> {
  const ids = (k: Kind) => inserted[k].map((r) => r.id);
  if (inserted.metrics.length) await writer`delete from public.metrics where id = any(${ids('metrics')}::uuid[]) and collection_method = 'dreamdb-bench'`;
  if (inserted.insights.length) await writer`delete from public.insights where id = any(${ids('insights')}::uuid[])`;
  if (inserted.achievements.length) await writer`delete from public.achievements where id = any(${ids('achievements')}::uuid[])`;
}
