/**
 * Realtime, the database's part, as Supabase Realtime's Postgres Changes does it. For each change
 * (a committed insert of a metric, insight or achievement by the server): the time from the
 * commit until logical decoding of the supabase_realtime publication returns it (a temporary
 * pgoutput slot, polled back to back); then the per-change work Realtime runs in the database
 * (sql/bench/realtime_changes.sql): the subscriptions whose equality filter matches the row
 * looked up by index (stock Realtime tests every subscription of the table: work in proportion to
 * all subscribers, not to the matching ones), the record cast, each candidate's filters tested
 * (one dynamic comparison each), and the RLS check for the ones that match. Each subscriber subscribes to the three
 * published tables with its own artist_id filter, as the app does. Slot, temporary table and
 * function, and the inserted rows are removed at the end, also on error.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Sql } from '../db/connect.js';
import { packagedSql } from '../db/queries.js';
import { asUser, claimsFor } from '../db/impersonate.js';
import { summarize, type Summary } from './stats.js';
import type { BenchArtist } from './workload.js';

export interface RealtimeLevel {
  subscribers: number;
  /** Subscription rows: one per subscriber and published table. */
  subscriptions: number;
  /** Subscribers that are seeded artists (the rest are signed-in users with no rows). */
  realArtists: number;
  changes: number;
  /** Commit → change returned by logical decoding. */
  decode: Summary;
  /** Candidate subscriptions looked up, the record cast, their filters tested (inside the server). */
  filter: Summary;
  /** Mean candidate subscriptions per change (matching equality key, or no equality filter). */
  candidates: number;
  /** The RLS checks of the subscriptions whose filters matched (inside the server). */
  rlsCheck: Summary;
  /** Mean subscriptions RLS-checked per change. */
  checked: number;
  /** decode + filter + rlsCheck. */
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
  const published = (
    await writer<{ t: string }[]>`
    select tablename as t from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' order by 1`
  ).map((r) => r.t);
  base.published = published;
  if (w!.wal !== 'logical')
    return {
      ...base,
      skipped: `wal_level is ${w!.wal}; logical decoding needs wal_level=logical (as on Supabase and the embedded server)`,
    };
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
    await conn.unsafe(packagedSql('bench/realtime_changes.sql'));
    let change = 0;
    // Each owner's metric rows go on days ahead of the seeded window, one new day per change.
    const daysAhead = new Map<string, number>();
    for (const subscribers of options.levels) {
      options.onProgress?.(`realtime: ${subscribers.toLocaleString('en-US')} subscriber(s)`);
      const subs = await subscribe(conn, artists, subscribers);
      const owners = Math.min(subscribers, artists.length);
      const decode: number[] = [];
      const filter: number[] = [];
      const rls: number[] = [];
      const total: number[] = [];
      let checked = 0;
      let candidates = 0;
      let correct = true;
      for (let i = 0; i < options.changesPerLevel; i += 1, change += 1) {
        const owner = artists[change % owners]!;
        const kind = KINDS[change % KINDS.length]!;
        const day = (daysAhead.get(owner.id) ?? 0) + 1;
        daysAhead.set(owner.id, day);
        const row = await insertChange(writer, kind, owner, day);
        inserted[kind].push(row);
        const committed = performance.now();
        let seen = 0;
        while (seen === 0) {
          const [r] = await conn<{ inserts: number }[]>`
            select count(*) filter (where get_byte(data, 0) = 73)::int as inserts
            from pg_logical_slot_get_binary_changes(${slot}, null, null, 'proto_version', '1', 'publication_names', 'supabase_realtime')`;
          seen += r!.inserts;
          if (performance.now() - committed > 10_000)
            throw new Error(`logical decoding did not return the ${kind} insert within 10 s`);
        }
        const decoded = performance.now() - committed;
        // The record as the WAL carries it (read as the superuser, outside the timing).
        const [rec] = await conn.unsafe<{ r: unknown }[]>(
          `select to_jsonb(t) as r from public.${kind} t where id = $1${kind === 'metrics' ? ' and metric_date = $2' : ''}`,
          kind === 'metrics' ? [row.id, row.date!] : [row.id],
        );
        const pk = kind === 'metrics' ? ['id', 'metric_date'] : ['id'];
        let result!: { candidates: number; matched: number; visible: string[]; filter_ms: number; rls_ms: number };
        await conn.begin(async (tx) => {
          const [v] = await tx<(typeof result)[]>`
            select * from pg_temp.dreamdb_bench_change(${`public.${kind}`}::regclass, ${rec!.r as never}::jsonb, ${pk}::text[])`;
          result = v!;
        });
        const ownerSub = subs.get(owner.id);
        if (result.visible.length !== 1 || result.visible[0] !== ownerSub) correct = false;
        checked += result.matched;
        candidates += result.candidates;
        decode.push(decoded);
        filter.push(result.filter_ms);
        rls.push(result.rls_ms);
        total.push(decoded + result.filter_ms + result.rls_ms);
      }
      base.levels.push({
        subscribers,
        subscriptions: subscribers * KINDS.length,
        realArtists: owners,
        changes: options.changesPerLevel,
        decode: summarize(decode),
        filter: summarize(filter),
        rlsCheck: summarize(rls),
        checked: checked / options.changesPerLevel,
        candidates: candidates / options.changesPerLevel,
        total: summarize(total),
        visibilityCorrect: correct,
      });
    }
    return base;
  } finally {
    try {
      await conn.unsafe(`drop function if exists pg_temp.dreamdb_bench_change(regclass, jsonb, text[]);
        drop function if exists pg_temp.dreamdb_bench_index_filters();
        drop table if exists pg_temp.dreamdb_bench_subscription, pg_temp.dreamdb_bench_subscription_key`);
      if (created)
        await conn`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = ${slot}`;
    } finally {
      await conn.end({ timeout: 5 });
      await removeInserted(writer, inserted);
    }
  }
}

/**
 * N subscribers, each subscribed to the three published tables with `artist_id=eq.<own id>`:
 * seeded artists first, then signed-in users with no rows. Returns artist id → subscription id.
 */
async function subscribe(conn: Sql, artists: BenchArtist[], count: number): Promise<Map<string, string>> {
  await conn`truncate pg_temp.dreamdb_bench_subscription`;
  const ids: string[] = [];
  const claims: string[] = [];
  const subIds: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const a = artists[i];
    const id = a?.id ?? randomUUID();
    ids.push(id);
    subIds.push(randomUUID());
    claims.push(JSON.stringify(claimsFor({ role: 'authenticated', sub: id, email: a?.email ?? '' })));
  }
  for (const kind of KINDS) {
    await conn`
      insert into pg_temp.dreamdb_bench_subscription (subscription_id, entity, filters, claims, claims_role)
      select s, ${`public.${kind}`}::regclass, jsonb_build_array(jsonb_build_object('column', 'artist_id', 'op', 'eq', 'value', a)), c::jsonb, 'authenticated'
      from unnest(${subIds}::uuid[], ${ids}::text[], ${claims}::text[]) as u(s, a, c)`;
  }
  await conn`select pg_temp.dreamdb_bench_index_filters()`;
  return new Map(ids.map((id, i) => [id, subIds[i]!]));
}

async function insertChange(
  writer: Sql,
  kind: Kind,
  owner: BenchArtist,
  dayAhead: number,
): Promise<{ id: string; date?: string }> {
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

async function removeInserted(writer: Sql, inserted: Record<Kind, { id: string; date?: string }[]>): Promise<void> {
  const ids = (k: Kind) => inserted[k].map((r) => r.id);
  if (inserted.metrics.length)
    await writer`delete from public.metrics where id = any(${ids('metrics')}::uuid[]) and collection_method = 'dreamdb-bench'`;
  if (inserted.insights.length) await writer`delete from public.insights where id = any(${ids('insights')}::uuid[])`;
  if (inserted.achievements.length)
    await writer`delete from public.achievements where id = any(${ids('achievements')}::uuid[])`;
}
