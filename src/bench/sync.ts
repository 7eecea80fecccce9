/**
 * `dreamdb bench --sync`: simulated offline devices against sync_pull / sync_push (docs/sync.md).
 *
 * Several devices per artist go offline and online in rounds of simulated time; offline they
 * edit their local copy (the same row on two devices, deletes, records created offline, now and
 * then a server-owned column an old app version still sends). Reconnecting devices sync in random
 * order and concurrently, each through its own loopback proxy that cuts connections mid-request;
 * a cut request is retried with the same mutation ids. A server actor writes meanwhile
 * (notifications, insights, metrics, points, deletes, a transaction held open across syncs).
 * At the end every device's copy is compared with the server's, and every edit is accounted for:
 * applied, rejected with a reason, collapsed locally (created then deleted offline) or lost.
 * "Applied twice" is read from the rows themselves: every version bump must belong to exactly
 * one known applied change.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import type { Sql } from '../db/connect.js';
import { connect } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { Rng } from '../seed/prng.js';
import {
  artistActor,
  syncPull,
  syncPush,
  type Mutation,
  type MutationResult,
  type PullPage,
  type SyncRow,
} from '../sync/client.js';
import { startFaultyProxy, type FaultyProxy } from '../sync/proxy.js';
import { summarize, type Summary } from './stats.js';

export interface SyncBenchOptions {
  devices: number;
  devicesPerArtist: number;
  /** Simulated minutes of use. */
  minutes: number;
  /** Simulated seconds per round. */
  roundSeconds: number;
  /** Probability that a request's connection is cut. */
  dropRate: number;
  seed: number;
  /** For the monthly figure: syncs a day (pull, plus a push when there are edits). */
  syncsPerDay: number;
  onProgress?: (text: string) => void;
}

export const syncBenchDefaults: Omit<SyncBenchOptions, 'seed'> = {
  devices: 20,
  devicesPerArtist: 3,
  minutes: 5,
  roundSeconds: 10,
  dropRate: 0.25,
  syncsPerDay: 30,
};

export interface SyncBenchResult {
  settings: Omit<SyncBenchOptions, 'onProgress'> & { artists: number; rounds: number };
  edits: {
    total: number;
    applied: number;
    appliedAfterRebase: number;
    rejected: Record<string, number>;
    collapsedLocally: number;
  };
  mutations: { pushed: number; applied: number; rejected: Record<string, number>; replayed: number };
  network: { drops: number; retries: number; connections: number };
  server: { writes: number; heldTransactions: number };
  /** Edits with no definitive outcome, or applied but missing from the server's final state. */
  lost: number;
  /** Applied changes whose effect happened more than once (version bumps nobody accounts for). */
  duplicated: number;
  devices: { compared: number; matching: number; rowsCompared: number; divergentRows: number; examples: string[] };
  syncs: number;
  bytes: {
    perSync: Summary;
    payloadPerSync: Summary;
    perUserPerMonth: number;
    perUserPerMonthAtBenchRate: number;
    usage: string;
  };
  pull: { pages: number; latencyMs: Summary };
  push: { calls: number; latencyMs: Summary };
  wallMs: number;
}

type Table =
  'tasks' | 'content' | 'notifications' | 'insights' | 'artists' | 'metrics' | 'achievements' | 'platform_connections';

interface Intent {
  n: number;
  rebases: number;
  outcome?: 'applied' | 'rejected' | 'collapsed';
  reason?: string;
}

interface Pending {
  table: Table;
  rowId: string;
  op: 'insert' | 'update' | 'delete';
  baseVersion?: number;
  values: Record<string, unknown>;
  intents: Intent[];
}

interface Device {
  key: string;
  artist: string;
  rng: Rng;
  proxy: FaultyProxy;
  sql: Sql;
  online: boolean;
  cursor: string | null;
  rows: Map<string, SyncRow>;
  /** The server's row as last pulled: what a rejected edit falls back to. */
  server: Map<string, SyncRow>;
  pending: Map<string, Pending>;
  /** A batch sent but not answered: retried with the same ids until it is. */
  inflight: { mutation: Mutation; pending: Pending }[] | null;
  counter: number;
}

interface Change {
  version: number;
  values: Record<string, unknown> | null;
  by: string;
}

const RETRYABLE_SQLSTATE = new Set(['40P01', '40001', '55P03', '57014', '57P01', '08006', '08003', '08000']);

function retryable(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  return code.startsWith('CONNECTION_') || /^E[A-Z]+$/.test(code) || RETRYABLE_SQLSTATE.has(code);
}

const key = (table: string, id: string) => `${table}/${id}`;

export async function runSyncBench(targetUrl: string, options: SyncBenchOptions): Promise<SyncBenchResult> {
  const started = performance.now();
  const admin = connect(targetUrl, { max: 4, connection: { application_name: 'dreamdb bench --sync' } });
  const rng = new Rng(options.seed, 0x5eed, 0x51c, 19);
  const artistsCount = Math.ceil(options.devices / options.devicesPerArtist);
  const rounds = Math.max(1, Math.round((options.minutes * 60) / options.roundSeconds));
  const artists: string[] = [];
  const devices: Device[] = [];
  const stats = {
    pushed: 0,
    applied: 0,
    replayed: 0,
    rejected: {} as Record<string, number>,
    retries: 0,
    serverWrites: 0,
    held: 0,
    pullLatency: [] as number[],
    pushLatency: [] as number[],
    syncBytes: [] as number[],
    payloadBytes: [] as number[],
    bytesByArtist: new Map<string, number>(),
  };
  const intents: Intent[] = [];
  // Every applied change per record: the version it produced and the values it set.
  const history = new Map<string, Change[]>();
  const recordChange = (k: string, change: Change) => {
    const list = history.get(k) ?? [];
    list.push(change);
    history.set(k, list);
  };

  try {
    const [fn] = await admin<
      { ok: boolean }[]
    >`select to_regprocedure('public.sync_pull(text, integer)') is not null as ok`;
    if (!fn?.ok)
      throw new UsageError('This database has no public.sync_pull(): the offline sync migration is not applied.', {
        hint: 'Run dreamdb migrate first.',
      });

    options.onProgress?.(`creating ${artistsCount} artists`);
    const run = randomUUID().slice(0, 8);
    for (let i = 0; i < artistsCount; i++) {
      const id = randomUUID();
      const email = `sync-bench-${run}-${i}@bench.invalid`;
      await admin`insert into auth.users (id, email) values (${id}, ${email})`;
      await admin`insert into public.artists (id, email, name) values (${id}, ${email}, ${`Sync bench ${i}`})`;
      await admin`insert into public.tasks (artist_id, title) select ${id}, 'task ' || g from generate_series(1, 6) g`;
      await admin`insert into public.content (artist_id, content_type, title) select ${id}, 'post', 'post ' || g from generate_series(1, 3) g`;
      await admin`insert into public.notifications (artist_id, type, title, body) select ${id}, 'system', 'hello ' || g, 'body' from generate_series(1, 3) g`;
      await admin`insert into public.insights (artist_id, type, title) select ${id}, 'growth', 'insight ' || g from generate_series(1, 3) g`;
      artists.push(id);
    }
    const target = new URL(targetUrl);
    const host = target.hostname === 'localhost' ? '127.0.0.1' : target.hostname;
    const port = Number(target.port || 5432);
    for (let i = 0; i < options.devices; i++) {
      const proxy = await startFaultyProxy(host, port);
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      devices.push({
        key: `d${i}`,
        artist: artists[i % artistsCount]!,
        rng: new Rng(options.seed, i, 0xde7, 7),
        proxy,
        // postgres.js directly: connect()'s startup-loss guard would end a device whose link the
        // proxy cuts on purpose; the device reconnects and retries instead.
        sql: postgres(url.toString(), {
          max: 1,
          connect_timeout: 5,
          fetch_types: false,
          idle_timeout: 0,
          onnotice: () => {},
          connection: { application_name: 'dreamdb bench --sync device' },
        }) as unknown as Sql,
        online: true,
        cursor: null,
        rows: new Map(),
        server: new Map(),
        pending: new Map(),
        inflight: null,
        counter: 0,
      });
    }

    // Rows that exist before the run are version 1 of their history.
    for (const table of ['tasks', 'content', 'notifications', 'insights'] as const) {
      const rows = await admin<{ id: string; artist_id: string }[]>`
        select id, artist_id from ${admin(`public.${table}`)} where artist_id = any(${artists}::uuid[])`;
      for (const r of rows) recordChange(key(table, r.id), { version: 1, values: null, by: r.artist_id });
    }
    // Every device starts in sync.
    for (const d of devices) await syncDevice(d);

    let serverBusy: Promise<void> = Promise.resolve();
    for (let round = 0; round < rounds; round++) {
      options.onProgress?.(`round ${round + 1}/${rounds}: ${devices.filter((d) => d.online).length} devices online`);
      for (const d of devices) {
        const was = d.online;
        d.online = d.rng.chance(was ? 0.7 : 0.45);
        const edits = d.rng.int(0, 2);
        for (let e = 0; e < edits; e++) edit(d);
      }
      await serverBusy;
      serverBusy = serverActor(round);
      const syncing = devices.filter((d) => d.online);
      shuffle(syncing, rng);
      await Promise.all(
        syncing.map(async (d, i) => {
          await sleep(i * 2 + rng.int(0, 5));
          await syncDevice(d);
        }),
      );
    }
    await serverBusy;

    // Everyone comes back online and syncs until nothing is left to send, then pulls once more.
    options.onProgress?.('draining: every device online until nothing is pending');
    for (let pass = 0; pass < 8 && devices.some((d) => d.pending.size || d.inflight); pass++) {
      const order = [...devices];
      shuffle(order, rng);
      await Promise.all(order.map((d) => syncDevice(d)));
    }
    for (let pass = 0; pass < 6; pass++) {
      for (const d of devices) await syncDevice(d, { drops: false });
      if (!devices.some((d) => d.pending.size || d.inflight)) break;
    }
    // One more pull each, so every device has seen the last push of every other.
    for (const d of devices) await syncDevice(d, { drops: false });

    options.onProgress?.('comparing every device with the server');
    const truth = new Map<string, Map<string, SyncRow>>();
    for (const a of artists) truth.set(a, await fullState(admin, a));
    let matching = 0;
    let rowsCompared = 0;
    let divergentRows = 0;
    const examples: string[] = [];
    for (const d of devices) {
      const server = truth.get(d.artist)!;
      let same = true;
      for (const k of new Set([...server.keys(), ...d.rows.keys()])) {
        rowsCompared++;
        const s = server.get(k);
        const l = d.rows.get(k);
        if (!s || !l || stable(s) !== stable(l)) {
          same = false;
          divergentRows++;
          if (examples.length < 5)
            examples.push(
              `${d.key} ${k}: ${!s ? 'only on the device' : !l ? 'missing on the device' : 'different values'}`,
            );
        }
      }
      if (same && !d.pending.size && !d.inflight) matching++;
    }

    // Accounting against the server's final rows.
    let lost = intents.filter((i) => !i.outcome).length;
    let duplicated = 0;
    for (const [k, changes] of history) {
      const owner = changes[0]!.by;
      const final = truth.get(owner)?.get(k) ?? [...truth.values()].find((m) => m.has(k))?.get(k);
      const bumps = changes.filter((c) => c.version > 0).map((c) => c.version);
      const distinct = new Set(bumps);
      // Two applied changes claiming one version: one overwrote the other unchecked.
      lost += bumps.length - distinct.size;
      const deleted = changes.some((c) => c.version === 0);
      if (!final) {
        if (!deleted) lost += 1;
        continue;
      }
      const version = Number(final.version);
      // Every version from 1 to the final one must be a known change; more bumps than known
      // changes means something was applied again.
      duplicated += Math.max(0, version - distinct.size);
      const last = changes.filter((c) => c.version === version).at(-1);
      if (last?.values) {
        for (const [col, v] of Object.entries(last.values)) {
          if (String(final[col]) !== String(v)) {
            lost += 1;
            break;
          }
        }
      }
    }

    const edited = intents.filter((i) => i.outcome === 'applied');
    const rejectedEdits: Record<string, number> = {};
    for (const i of intents)
      if (i.outcome === 'rejected') rejectedEdits[i.reason ?? '?'] = (rejectedEdits[i.reason ?? '?'] ?? 0) + 1;
    const simulatedMinutes = (rounds * options.roundSeconds) / 60;
    const perUserPerMinute =
      [...stats.bytesByArtist.values()].reduce((a, b) => a + b, 0) / artistsCount / simulatedMinutes;
    const perSync = summarize(stats.syncBytes);
    return {
      settings: {
        devices: options.devices,
        devicesPerArtist: options.devicesPerArtist,
        minutes: options.minutes,
        roundSeconds: options.roundSeconds,
        dropRate: options.dropRate,
        seed: options.seed,
        syncsPerDay: options.syncsPerDay,
        artists: artistsCount,
        rounds,
      },
      edits: {
        total: intents.length,
        applied: edited.length,
        appliedAfterRebase: edited.filter((i) => i.rebases > 0).length,
        rejected: rejectedEdits,
        collapsedLocally: intents.filter((i) => i.outcome === 'collapsed').length,
      },
      mutations: { pushed: stats.pushed, applied: stats.applied, rejected: stats.rejected, replayed: stats.replayed },
      network: {
        drops: devices.reduce((a, d) => a + d.proxy.stats.drops, 0),
        retries: stats.retries,
        connections: devices.reduce((a, d) => a + d.proxy.stats.connections, 0),
      },
      server: { writes: stats.serverWrites, heldTransactions: stats.held },
      lost,
      duplicated,
      devices: { compared: devices.length, matching, rowsCompared, divergentRows, examples },
      syncs: stats.syncBytes.length,
      bytes: {
        perSync,
        payloadPerSync: summarize(stats.payloadBytes),
        perUserPerMonth: Math.round(perSync.mean * options.syncsPerDay * 30),
        // Every device of the user syncing every round for an hour a day: an upper bound.
        perUserPerMonthAtBenchRate: Math.round(perUserPerMinute * 60 * 30),
        usage: `mean bytes per sync × ${options.syncsPerDay} syncs a day × 30 days; database wire bytes (the PostgREST request adds HTTP headers and the JWT)`,
      },
      pull: { pages: stats.pullLatency.length, latencyMs: summarize(stats.pullLatency) },
      push: { calls: stats.pushLatency.length, latencyMs: summarize(stats.pushLatency) },
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    for (const d of devices) {
      await d.sql.end({ timeout: 1 }).catch(() => {});
      await d.proxy.close();
    }
    if (artists.length) {
      await admin`delete from auth.users where id = any(${artists}::uuid[])`;
      await admin`delete from sync.changes where artist_id = any(${artists}::uuid[])`;
      await admin`delete from sync.mutations where artist_id = any(${artists}::uuid[])`;
    }
    await admin.end({ timeout: 5 });
  }

  // --- the device ------------------------------------------------------------------------------

  function newIntent(): Intent {
    const i: Intent = { n: intents.length, rebases: 0 };
    intents.push(i);
    return i;
  }

  function localRows(d: Device, table: Table): SyncRow[] {
    const out: SyncRow[] = [];
    for (const [k, r] of d.rows) if (k.startsWith(`${table}/`)) out.push(r);
    return out;
  }

  /** One user edit on the device's local copy, queued for the next push (merged per record). */
  function edit(d: Device): void {
    d.counter++;
    const mark = `${d.key}-${d.counter}`;
    const kind = d.rng.weighted(
      ['task', 'hot', 'create', 'delete', 'content', 'notification', 'insight', 'bad', 'deleteContent'],
      [30, 18, 14, 8, 8, 7, 7, 4, 2],
    );
    const tasks = localRows(d, 'tasks');
    const hot = tasks.slice().sort((a, b) => String(a.id).localeCompare(String(b.id)))[0];
    switch (kind) {
      case 'create': {
        const id = randomUUID();
        const values = { title: `new ${mark}`, impact_score: d.rng.int(1, 10) };
        queue(d, 'tasks', id, 'insert', values);
        d.rows.set(key('tasks', id), { id, ...values } as SyncRow);
        return;
      }
      case 'task':
      case 'hot': {
        const row = kind === 'hot' ? hot : tasks.length ? d.rng.pick(tasks) : undefined;
        if (!row) return;
        const values = d.rng.chance(0.3)
          ? { completed: !row.completed }
          : { title: `edit ${mark}`, impact_score: d.rng.int(1, 10) };
        queue(d, 'tasks', row.id, 'update', values);
        Object.assign(row, values);
        return;
      }
      case 'delete':
      case 'deleteContent': {
        const table = kind === 'delete' ? 'tasks' : 'content';
        const rows = localRows(d, table).filter((r) => r !== hot || d.rng.chance(0.2));
        if (!rows.length) return;
        const row = d.rng.pick(rows);
        queue(d, table, row.id, 'delete', {});
        d.rows.delete(key(table, row.id));
        return;
      }
      case 'content': {
        const rows = localRows(d, 'content');
        if (!rows.length) return;
        const row = d.rng.pick(rows);
        queue(d, 'content', row.id, 'update', { title: `caption ${mark}` });
        row.title = `caption ${mark}`;
        return;
      }
      case 'notification': {
        const rows = localRows(d, 'notifications').filter((r) => !r.opened);
        if (!rows.length) return;
        const row = d.rng.pick(rows);
        queue(d, 'notifications', row.id, 'update', { opened: true, action_taken: `open ${mark}` });
        Object.assign(row, { opened: true, action_taken: `open ${mark}` });
        return;
      }
      case 'insight': {
        const rows = localRows(d, 'insights');
        if (!rows.length) return;
        const row = d.rng.pick(rows);
        const status = d.rng.pick(['read', 'actioned', 'dismissed']);
        queue(d, 'insights', row.id, 'update', { status });
        row.status = status;
        return;
      }
      case 'bad': {
        // An old app version that still sends a server-owned column.
        const row = tasks.find((r) => !d.pending.has(key('tasks', r.id)));
        if (!row) return;
        queue(d, 'tasks', row.id, 'update', { points_reward: 1000 });
        return;
      }
    }
  }

  function queue(d: Device, table: Table, rowId: string, op: Pending['op'], values: Record<string, unknown>): void {
    const k = key(table, rowId);
    const intent = newIntent();
    const existing = d.pending.get(k);
    if (!existing) {
      const row = d.rows.get(k);
      d.pending.set(k, {
        table,
        rowId,
        op,
        values: { ...values },
        intents: [intent],
        ...(op !== 'insert' ? { baseVersion: Number(row?.version) } : {}),
      });
      return;
    }
    if (op === 'delete') {
      if (existing.op === 'insert') {
        // Created and deleted offline: never reaches the server.
        for (const i of [...existing.intents, intent]) i.outcome = 'collapsed';
        d.pending.delete(k);
        return;
      }
      for (const i of existing.intents) i.outcome = 'collapsed';
      d.pending.set(k, { ...existing, op: 'delete', values: {}, intents: [intent] });
      return;
    }
    existing.values = { ...existing.values, ...values };
    existing.intents.push(intent);
  }

  async function withRetries<T>(d: Device, drops: boolean, size: number, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (drops && d.rng.chance(options.dropRate)) {
        d.proxy.dropAfter(d.rng.int(1, size), d.rng.chance(0.35) ? 'up' : 'down');
      }
      try {
        const out = await fn();
        d.proxy.disarm();
        return out;
      } catch (error) {
        d.proxy.disarm();
        if (!retryable(error) || attempt >= 12) throw error;
        stats.retries++;
        await sleep(Math.min(200, 5 * 2 ** attempt) * (0.5 + d.rng.next() / 2));
      }
    }
  }

  async function syncDevice(d: Device, opts: { drops?: boolean } = {}): Promise<void> {
    const drops = opts.drops ?? true;
    const before = d.proxy.stats.up + d.proxy.stats.down;
    let payload = 0;
    const rebase: Pending[] = [];
    if (!d.inflight && d.pending.size) {
      // An edit of a record whose creation is not acknowledged yet has no version to name: it
      // waits for the next sync (WatermelonDB keeps such a record "created" until then).
      const ready = [...d.pending.values()].filter((p) => {
        if (p.op === 'insert' || Number.isFinite(p.baseVersion)) return true;
        const known = Number(d.server.get(key(p.table, p.rowId))?.version);
        if (Number.isFinite(known)) p.baseVersion = known;
        return Number.isFinite(known);
      });
      for (const p of ready) d.pending.delete(key(p.table, p.rowId));
      d.inflight = ready.length
        ? ready.map((p) => ({
            pending: p,
            mutation: {
              id: randomUUID(),
              table: p.table,
              op: p.op,
              row_id: p.rowId,
              ...(p.baseVersion !== undefined ? { base_version: p.baseVersion } : {}),
              values: p.values,
            },
          }))
        : null;
    }
    if (d.inflight) {
      const batch = d.inflight;
      const mutations = batch.map((b) => b.mutation);
      const body = JSON.stringify(mutations).length;
      let results: MutationResult[];
      try {
        results = await withRetries(d, drops, body + 600, async () => {
          const t = performance.now();
          const r = await syncPush(d.sql, artistActor(d.artist), mutations);
          stats.pushLatency.push(performance.now() - t);
          return r;
        });
      } catch (error) {
        if (!retryable(error)) throw error;
        return; // still in flight: the next sync sends the same ids
      }
      payload += body + JSON.stringify(results).length;
      d.inflight = null;
      stats.pushed += mutations.length;
      results.forEach((r, i) => {
        const { pending: p, mutation: m } = batch[i]!;
        if (r.replayed) stats.replayed++;
        if (r.status === 'applied') {
          stats.applied++;
          for (const intent of p.intents) intent.outcome ??= 'applied';
          const k = key(p.table, p.rowId);
          if (p.op === 'delete') recordChange(k, { version: 0, values: null, by: d.artist });
          else if (p.op === 'insert' || Number(r.version) !== m.base_version)
            recordChange(k, { version: Number(r.version), values: p.values, by: d.artist });
          return;
        }
        const code = (r.reason ?? 'unknown').split(':')[0]!;
        stats.rejected[code] = (stats.rejected[code] ?? 0) + 1;
        if (code === 'stale' && p.intents.every((i) => i.rebases < 3)) {
          rebase.push(p);
          return;
        }
        for (const intent of p.intents) {
          intent.outcome ??= 'rejected';
          intent.reason ??= code;
        }
        // The edit did not happen: the device falls back to the server's row.
        const k = key(p.table, p.rowId);
        const later = p.op === 'insert' ? d.pending.get(k) : undefined;
        if (later) {
          // Edits queued on a record whose creation was refused cannot happen either.
          for (const intent of later.intents) {
            intent.outcome ??= 'rejected';
            intent.reason ??= code;
          }
          d.pending.delete(k);
        }
        const server = d.server.get(k);
        if (server) d.rows.set(k, { ...server });
        else d.rows.delete(k);
      });
    }

    let more = true;
    while (more) {
      const page: PullPage = await withRetries(d, drops, 4000, async () => {
        const t = performance.now();
        const p = await syncPull(d.sql, artistActor(d.artist), d.cursor, 500);
        stats.pullLatency.push(performance.now() - t);
        return p;
      });
      payload += JSON.stringify(page).length;
      for (const [table, c] of Object.entries(page.changes)) {
        for (const row of c.updated) {
          const k = key(table, row.id);
          // The user's own unsent edits stay on top of what the server sent.
          const mine = d.pending.get(k);
          d.server.set(k, row);
          d.rows.set(k, mine && mine.op !== 'delete' ? { ...row, ...mine.values } : { ...row });
          if (mine?.op === 'delete') d.rows.delete(k);
        }
        for (const id of c.deleted) {
          d.rows.delete(key(table, id));
          d.server.delete(key(table, id));
        }
      }
      d.cursor = page.cursor;
      more = page.has_more;
    }

    // Re-base stale edits on the row the server has now; gone if it was deleted meanwhile.
    for (const p of rebase) {
      const k = key(p.table, p.rowId);
      const row = d.rows.get(k);
      if (!row) {
        for (const intent of p.intents) {
          intent.outcome ??= 'rejected';
          intent.reason ??= 'stale, then gone';
        }
        continue;
      }
      for (const intent of p.intents) intent.rebases++;
      const merged = d.pending.get(k);
      if (merged) {
        merged.values = { ...p.values, ...merged.values };
        merged.intents.push(...p.intents);
        merged.baseVersion = Number(row.version);
      } else {
        d.pending.set(k, { ...p, baseVersion: Number(row.version) });
      }
      if (p.op !== 'delete') Object.assign(row, p.values);
      else d.rows.delete(k);
    }

    const bytes = d.proxy.stats.up + d.proxy.stats.down - before;
    stats.syncBytes.push(bytes);
    stats.payloadBytes.push(payload);
    stats.bytesByArtist.set(d.artist, (stats.bytesByArtist.get(d.artist) ?? 0) + bytes);
  }

  // --- the server ------------------------------------------------------------------------------

  async function serverActor(round: number): Promise<void> {
    const a = artists[round % artists.length]!;
    const noteVersion = (
      table: string,
      rows: { id: string; version: number | string }[],
      values: Record<string, unknown> | null,
    ) => {
      for (const r of rows) recordChange(key(table, r.id), { version: Number(r.version), values, by: a });
      stats.serverWrites += rows.length;
    };
    noteVersion(
      'notifications',
      await admin<{ id: string; version: number }[]>`
      insert into public.notifications (artist_id, type, title, body) values (${a}, 'insight', ${`round ${round}`}, 'new') returning id, version`,
      { title: `round ${round}` },
    );
    noteVersion(
      'metrics',
      await admin<{ id: string; version: number }[]>`
      insert into public.metrics (artist_id, platform, metric_date, followers)
      values (${a}, 'spotify', current_date - ${round}::int, ${1000 + round}) on conflict do nothing returning id, version`,
      { followers: 1000 + round },
    );
    // Points are the server's: a change the devices did not make, so their edits of it go stale.
    noteVersion(
      'tasks',
      await admin<{ id: string; version: number }[]>`
      update public.tasks set points_reward = points_reward + 1
      where id = (select id from public.tasks where artist_id = ${a} order by random() limit 1) returning id, version`,
      null,
    );
    noteVersion(
      'insights',
      await admin<{ id: string; version: number }[]>`
      update public.insights set priority = case priority when 'high' then 'medium' when 'medium' then 'low' else 'high' end
      where id = (select id from public.insights where artist_id = ${a} order by random() limit 1) returning id, version`,
      null,
    );
    if (round % 4 === 3) {
      const gone = await admin<{ id: string }[]>`
        delete from public.notifications where id = (select id from public.notifications where artist_id = ${a} order by created_at limit 1) returning id`;
      for (const r of gone) recordChange(key('notifications', r.id), { version: 0, values: null, by: a });
      stats.serverWrites += gone.length;
    }
    if (round % 3 === 1) {
      // A writing transaction held open while devices pull: their cursors must wait for it.
      stats.held++;
      await admin.begin(async (tx) => {
        const rows = await tx<{ id: string; version: number }[]>`
          insert into public.insights (artist_id, type, title) values (${a}, 'content', ${`held ${round}`}) returning id, version`;
        await sleep(150 + rng.int(0, 250));
        noteVersion('insights', rows, { title: `held ${round}` });
      });
    }
  }
}

/** What the artist's account holds, as a full pull from the beginning sees it. */
async function fullState(sql: Sql, artist: string): Promise<Map<string, SyncRow>> {
  const rows = new Map<string, SyncRow>();
  let cursor: string | null = null;
  for (;;) {
    const page: PullPage = await syncPull(sql, artistActor(artist), cursor, 1000);
    for (const [table, c] of Object.entries(page.changes)) {
      for (const r of c.updated) rows.set(key(table, r.id), r);
      for (const id of c.deleted) rows.delete(key(table, id));
    }
    cursor = page.cursor;
    if (!page.has_more) return rows;
  }
}

function stable(row: SyncRow): string {
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((k) => [k, row[k]]),
  );
}

function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

export function renderSyncBench(r: SyncBenchResult): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const reasons = (m: Record<string, number>) =>
    Object.entries(m)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const s = r.settings;
  return [
    `sync bench: ${s.devices} devices (${s.artists} artists, ${s.devicesPerArtist} per artist), ${s.minutes} simulated minutes in ${s.rounds} rounds of ${s.roundSeconds} s, drop rate ${s.dropRate}, seed ${s.seed}; ${(r.wallMs / 1000).toFixed(1)} s wall`,
    `  user edits            ${r.edits.total}: applied ${r.edits.applied} (${r.edits.appliedAfterRebase} after re-basing a stale edit), rejected with a reason ${Object.values(r.edits.rejected).reduce((a, b) => a + b, 0)} (${reasons(r.edits.rejected)}), collapsed offline ${r.edits.collapsedLocally}`,
    `  mutations pushed      ${r.mutations.pushed}: applied ${r.mutations.applied}, rejected ${reasons(r.mutations.rejected)}; answered from the ledger after a cut connection ${r.mutations.replayed}`,
    `  network               ${r.network.drops} connections cut mid-request, ${r.network.retries} retries, ${r.network.connections} connections`,
    `  server writes         ${r.server.writes} (and ${r.server.heldTransactions} transactions held open across syncs)`,
    `  lost                  ${r.lost}`,
    `  applied twice         ${r.duplicated}`,
    `  devices = server      ${r.devices.matching}/${r.devices.compared} (${r.devices.rowsCompared} rows compared, ${r.devices.divergentRows} divergent)${r.devices.examples.length ? `: ${r.devices.examples.join('; ')}` : ''}`,
    `  bytes per sync        median ${kb(r.bytes.perSync.p50)}, p95 ${kb(r.bytes.perSync.p95)} on the wire (JSON payload median ${kb(r.bytes.payloadPerSync.p50)}), ${r.syncs} syncs`,
    `  per user per month    ${(r.bytes.perUserPerMonth / 1048576).toFixed(2)} MB (${r.bytes.usage}); at this bench's rate, all ${s.devicesPerArtist} devices syncing every ${s.roundSeconds} s for an hour a day: ${(r.bytes.perUserPerMonthAtBenchRate / 1048576).toFixed(1)} MB`,
    `  pull latency          p50 ${ms(r.pull.latencyMs.p50)}, p95 ${ms(r.pull.latencyMs.p95)} (${r.pull.pages} pages); push p50 ${ms(r.push.latencyMs.p50)}, p95 ${ms(r.push.latencyMs.p95)}`,
  ].join('\n');
}
