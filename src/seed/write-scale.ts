/**
 * Writes generated artists with COPY, in batches of artists: for each batch, the auth users,
 * artists and connections, then the metrics (streamed, the bulk of the rows), then the batch's
 * insights, tasks, achievements, content and notifications. Batches bound the memory the
 * smaller tables take; the caller runs everything in one transaction.
 */
import type postgres from 'postgres';
import { ChunkedWriter, openCopy, type ChunkSink, type CopyTarget } from './copy.js';
import {
  artistLine,
  authUserLine,
  connectionLines,
  extrasFor,
  extrasPerArtist,
  metricsFor,
  planArtist,
  type ArtistMetrics,
  type ArtistPlan,
  type Window,
} from './scale.js';
import {
  ACHIEVEMENTS,
  ARTISTS,
  AUTH_USER_COLUMNS,
  CONTENT,
  INSIGHTS,
  METRICS,
  NOTIFICATIONS,
  PLATFORM_CONNECTIONS,
  TASKS,
} from './tables.js';

type Tx = postgres.TransactionSql<Record<string, unknown>> | postgres.Sql<Record<string, unknown>>;

export interface ScaleTarget {
  seed: number;
  artists: number;
  window: Window;
}

export interface ScaleProgress {
  metricRows: number;
  totalMetricRows: number;
  rows: number;
  elapsedMs: number;
}

export interface ScaleWriteOptions {
  /** Artist ids already in the database: skipped. */
  existing: ReadonlySet<string>;
  /** One bcrypt hash of the dev password, shared by every generated user. */
  passwordHash: string;
  /** auth.users columns beyond AUTH_USER_COLUMNS that must be '' (Supabase Auth's token columns). */
  extraAuthColumns: readonly string[];
  onProgress?: (progress: ScaleProgress) => void;
  /** At most one progress report per this many ms (default 200). */
  progressEveryMs?: number;
  /** A real Supabase project: give each user the email identity Supabase Auth signs in with. */
  supabase?: boolean;
  /** Artists per batch (default: sized so a batch's smaller tables stay around 150k rows). */
  batchArtists?: number;
}

export type TableCounts = Record<
  | 'auth.users'
  | 'artists'
  | 'platform_connections'
  | 'metrics'
  | 'insights'
  | 'tasks'
  | 'achievements'
  | 'content'
  | 'notifications',
  number
>;

export interface ScaleWriteResult {
  artistsAdded: number;
  artistsSkipped: number;
  rows: TableCounts;
  totalRows: number;
  durationMs: number;
  /** Time inside the metrics COPYs only. */
  metricsMs: number;
}

/** Every artist of the run, planned (cheap: identities and profiles, no data yet). */
export function planArtists(target: ScaleTarget): ArtistPlan[] {
  const plans: ArtistPlan[] = [];
  for (let i = 0; i < target.artists; i += 1) plans.push(planArtist(target.seed, i, target.window));
  return plans;
}

/**
 * Streams the metric lines of `plans` into `sink`. `onArtist` sees each artist's metrics (the
 * milestones and spikes the rest of its story is built from).
 */
export async function writeMetrics(
  sink: ChunkSink,
  plans: readonly ArtistPlan[],
  window: Window,
  onArtist?: (a: ArtistPlan, m: ArtistMetrics) => void,
): Promise<number> {
  const writer = new ChunkedWriter(sink);
  for (const a of plans) {
    const m = metricsFor(a, window);
    onArtist?.(a, m);
    const wait = writer.add(m.text, m.rows);
    if (wait) await wait;
  }
  return writer.end();
}

async function copyText(tx: Tx, target: CopyTarget, text: string, rows: number): Promise<number> {
  if (rows === 0) return 0;
  const sink = await openCopy(tx, target);
  // Big strings go over in pieces of about a megabyte (one CopyData message each), cut at line ends.
  const step = 1 << 20;
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + step);
    if (end < text.length) end = text.indexOf('\n', end) + 1 || text.length;
    const wait = sink.write(text.slice(at, end));
    if (wait) await wait;
    at = end;
  }
  await sink.end();
  return rows;
}

export async function writeScale(tx: Tx, target: ScaleTarget, options: ScaleWriteOptions): Promise<ScaleWriteResult> {
  const started = performance.now();
  const all = planArtists(target);
  const plans = all.filter((a) => !options.existing.has(a.id));
  const window = target.window;
  const rows: TableCounts = {
    'auth.users': 0,
    artists: 0,
    platform_connections: 0,
    metrics: 0,
    insights: 0,
    tasks: 0,
    achievements: 0,
    content: 0,
    notifications: 0,
  };
  const totalMetricRows = plans.length * window.days * 5;
  let metricsMs = 0;
  const batch = options.batchArtists ?? Math.max(50, Math.floor(150_000 / Math.max(1, extrasPerArtist(window.days))));
  const authUsers: CopyTarget = { table: 'auth.users', columns: [...AUTH_USER_COLUMNS, ...options.extraAuthColumns] };
  const report = () => {
    const sum = Object.values(rows).reduce((x, y) => x + y, 0);
    options.onProgress?.({
      metricRows: rows.metrics,
      totalMetricRows,
      rows: sum,
      elapsedMs: performance.now() - started,
    });
  };

  for (let from = 0; from < plans.length; from += batch) {
    const group = plans.slice(from, from + batch);
    let users = '';
    let artists = '';
    let connections = '';
    for (const a of group) {
      users += authUserLine(a, options.passwordHash, options.extraAuthColumns.length);
      artists += artistLine(a);
      connections += connectionLines(a, window);
    }
    rows['auth.users'] += await copyText(tx, authUsers, users, group.length);
    if (options.supabase) {
      await tx`
        insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
        select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true), 'email', u.created_at, u.created_at, u.created_at
        from auth.users u where u.id = any(${group.map((a) => a.id)}::uuid[])`;
    }
    rows.artists += await copyText(tx, ARTISTS, artists, group.length);
    rows.platform_connections += await copyText(tx, PLATFORM_CONNECTIONS, connections, group.length * 5);

    const extras = { insights: '', tasks: '', achievements: '', content: '', notifications: '' };
    const counts = { insights: 0, tasks: 0, achievements: 0, content: 0, notifications: 0 };
    const t0 = performance.now();
    const sink = await openCopy(tx, METRICS);
    let lastReport = 0;
    const baseMetricRows = rows.metrics;
    let batchMetricRows = 0;
    await writeMetrics(sink, group, window, (a, m) => {
      const x = extrasFor(a, m, window);
      extras.insights += x.insights;
      extras.tasks += x.tasks;
      extras.achievements += x.achievements;
      extras.content += x.content;
      extras.notifications += x.notifications;
      for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += x.counts[k];
      batchMetricRows += m.rows;
      const now = performance.now();
      if (now - lastReport > (options.progressEveryMs ?? 200)) {
        lastReport = now;
        rows.metrics = baseMetricRows + batchMetricRows;
        report();
      }
    });
    metricsMs += performance.now() - t0;
    rows.metrics = baseMetricRows + batchMetricRows;

    rows.insights += await copyText(tx, INSIGHTS, extras.insights, counts.insights);
    rows.tasks += await copyText(tx, TASKS, extras.tasks, counts.tasks);
    rows.achievements += await copyText(tx, ACHIEVEMENTS, extras.achievements, counts.achievements);
    rows.content += await copyText(tx, CONTENT, extras.content, counts.content);
    rows.notifications += await copyText(tx, NOTIFICATIONS, extras.notifications, counts.notifications);
    report();
  }
  const totalRows = Object.values(rows).reduce((x, y) => x + y, 0);
  return {
    artistsAdded: plans.length,
    artistsSkipped: all.length - plans.length,
    rows,
    totalRows,
    durationMs: performance.now() - started,
    metricsMs,
  };
}
