/**
 * Replaying the mix: virtual users, each signed in as one artist for a session of requests, each
 * request one transaction exactly as PostgREST runs it (asUser: role and claims in one statement,
 * the role's statement_timeout, READ ONLY for reads; the body built in the database as PostgREST
 * does), through one postgres.js pool the size of a PostgREST deployment.
 *
 * Writes commit (a commit's WAL flush is part of the cost); the ids they touched are restored
 * afterwards (`restoreWrites`), so a run leaves the seeded data as it found it.
 */
import { gzipSync } from 'node:zlib';
import type { Sql } from '../db/connect.js';
import { asUser } from '../db/impersonate.js';
import { weightedPicker, wrapBody, type Mix, type MixRequest, type Param } from './mix.js';
import { histogram, perSecond, summarize, type Summary } from './stats.js';

export const PLATFORMS = ['instagram', 'spotify', 'youtube', 'tiktok', 'apple_music'] as const;

export interface BenchArtist {
  id: string;
  email: string;
  notifications: string[];
  tasks: string[];
}

/** A request as this run sends it (the shipped or the draft's SQL). */
export interface PlannedRequest {
  name: string;
  title: string;
  weight: number;
  readOnly: boolean;
  response: MixRequest['response'];
  params: Param[];
  /** The wrapped statement. */
  sql: string;
}

export function planRequests(mix: Mix, schema: 'shipped' | 'draft', variant: 'as-written' | 'repaired' = 'repaired'): PlannedRequest[] {
  return mix.requests.map((r) => {
    let text = r.sql;
    if (schema === 'draft') {
      text = r.baseline?.sql ?? text;
      if (variant === 'repaired' && r.baseline?.repairedSql) text = r.baseline.repairedSql;
    }
    return { name: r.name, title: r.title, weight: r.weight, readOnly: r.readOnly, response: r.response, params: r.params, sql: wrapBody(r, text) };
  });
}

/** The bench's artists with the ids their writes may touch (read as the superuser, before the run). */
export async function loadArtists(sql: Sql, ids: string[]): Promise<BenchArtist[]> {
  const out: BenchArtist[] = [];
  for (let at = 0; at < ids.length; at += 5_000) {
    const rows = await sql<{ id: string; email: string; notifications: string[]; tasks: string[] }[]>`
      select a.id::text as id, a.email,
             array(select n.id::text from public.notifications n where n.artist_id = a.id and n.opened = false
                   order by n.scheduled_for desc, n.id limit 10) as notifications,
             array(select t.id::text from public.tasks t where t.artist_id = a.id and t.completed = false
                   order by t.impact_score desc, t.id limit 10) as tasks
      from public.artists a where a.id = any(${ids.slice(at, at + 5_000)}::uuid[]) order by a.id`;
    out.push(...rows);
  }
  return out;
}

export interface Touched {
  notifications: Set<string>;
  tasks: Set<string>;
}

export const newTouched = (): Touched => ({ notifications: new Set(), tasks: new Set() });

/** Puts touched rows back as they were seeded (unread, pending: the only rows the writes pick). */
export async function restoreWrites(sql: Sql, touched: Touched): Promise<void> {
  const n = [...touched.notifications];
  const t = [...touched.tasks];
  if (n.length) await sql`update public.notifications set opened = false, opened_at = null where id = any(${n}::uuid[])`;
  if (t.length) await sql`update public.tasks set completed = false, completed_at = null where id = any(${t}::uuid[])`;
  touched.notifications.clear();
  touched.tasks.clear();
}

/** mulberry32: a small deterministic generator per virtual user. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome {
  ms: number;
  bytes: number;
  body?: string;
  error?: string;
}

/** The session's artist, or another one when the request needs ids this artist does not have. */
function resolveParams(request: PlannedRequest, artist: BenchArtist, artists: BenchArtist[], random: () => number, cursor: Map<string, number>, touched: Touched) {
  let who = artist;
  const needs = (a: BenchArtist) =>
    (request.params.includes('notification_id') && !a.notifications.length) || (request.params.includes('task_id') && !a.tasks.length);
  for (let tries = 0; needs(who) && tries < 50; tries += 1) who = artists[Math.floor(random() * artists.length)]!;
  const next = (list: string[], key: string) => {
    const i = cursor.get(key) ?? 0;
    cursor.set(key, i + 1);
    return list[i % list.length];
  };
  const values = request.params.map((p) => {
    if (p === 'artist_id') return who.id;
    if (p === 'platform') return PLATFORMS[Math.floor(random() * PLATFORMS.length)]!;
    if (p === 'notification_id') {
      const id = next(who.notifications, `n:${who.id}`) ?? null;
      if (id) touched.notifications.add(id);
      return id;
    }
    const id = next(who.tasks, `t:${who.id}`) ?? null;
    if (id) touched.tasks.add(id);
    return id;
  });
  return { who, values };
}

async function execute(sql: Sql, request: PlannedRequest, artist: BenchArtist, values: (string | null)[]): Promise<Outcome> {
  const started = performance.now();
  try {
    const rows = await asUser(
      sql,
      { role: 'authenticated', sub: artist.id, email: artist.email },
      (tx) => tx.unsafe<{ body?: string | null }[]>(request.sql, values, { prepare: true }),
      { readOnly: request.readOnly, method: request.readOnly ? 'GET' : 'PATCH', path: `/${request.name}` },
    );
    const ms = performance.now() - started;
    if (request.response === 'none') return { ms, bytes: 0 };
    const body = rows[0]?.body ?? 'null';
    return { ms, bytes: Buffer.byteLength(body, 'utf8'), body };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { ms: performance.now() - started, bytes: 0, error: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}` };
  }
}

export interface TypeResult {
  name: string;
  title: string;
  requests: number;
  errors: number;
  /** Up to three distinct error messages. */
  errorMessages: string[];
  throughput: number;
  latency: Summary;
  histogram: number[];
  bytes: { mean: number; max: number; gzipMean: number | null };
}

export interface RunResult {
  clients: number;
  pool: number;
  durationMs: number;
  requests: number;
  errors: number;
  throughput: number;
  latency: Summary;
  histogram: number[];
  perSecond: number[];
  types: TypeResult[];
}

class Recorder {
  latencies: number[] = [];
  errors = 0;
  errorMessages = new Set<string>();
  bytes: number[] = [];
  gzip: number[] = [];
}

function collect(requests: PlannedRequest[], recorders: Recorder[], ends: number[], started: number, elapsed: number, clients: number, pool: number): RunResult {
  const all = recorders.flatMap((r) => r.latencies);
  const errors = recorders.reduce((a, r) => a + r.errors, 0);
  const seconds = elapsed / 1000;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    clients,
    pool,
    durationMs: Math.round(elapsed),
    requests: all.length,
    errors,
    throughput: all.length / seconds,
    latency: summarize(all),
    histogram: histogram(all),
    perSecond: perSecond(ends, started, seconds),
    types: requests.map((q, i) => {
      const r = recorders[i]!;
      return {
        name: q.name,
        title: q.title,
        requests: r.latencies.length,
        errors: r.errors,
        errorMessages: [...r.errorMessages].slice(0, 3),
        throughput: r.latencies.length / seconds,
        latency: summarize(r.latencies),
        histogram: histogram(r.latencies),
        bytes: { mean: mean(r.bytes), max: Math.max(0, ...r.bytes), gzipMean: r.gzip.length ? mean(r.gzip) : null },
      };
    }),
  };
}

function record(rec: Recorder, outcome: Outcome): void {
  rec.latencies.push(outcome.ms);
  if (outcome.error) {
    rec.errors += 1;
    if (rec.errorMessages.size < 3) rec.errorMessages.add(outcome.error);
    return;
  }
  rec.bytes.push(outcome.bytes);
  if (outcome.body !== undefined && rec.gzip.length < 50) rec.gzip.push(gzipSync(outcome.body).length);
}

export interface MixedOptions {
  clients: number;
  pool: number;
  durationMs: number;
  /** Requests a virtual user makes as one artist before signing in as another. */
  sessionRequests: number;
  seed: number;
  touched: Touched;
  /** Called about once a second. */
  onTick?: (done: number, elapsedMs: number) => void;
}

/** N virtual users in a closed loop (no think time) for the duration. Errors are counted, never thrown. */
export async function runMixed(sql: Sql, requests: PlannedRequest[], artists: BenchArtist[], options: MixedOptions): Promise<RunResult> {
  const pick = weightedPicker({ requests: requests.map((r) => ({ weight: r.weight })) } as unknown as Mix);
  const recorders = requests.map(() => new Recorder());
  const ends: number[] = [];
  const cursor = new Map<string, number>();
  const started = performance.now();
  const deadline = started + options.durationMs;
  let lastTick = started;
  const user = async (v: number) => {
    const random = rng(options.seed * 7919 + v);
    let artist = artists[Math.floor(random() * artists.length)]!;
    for (let n = 0; performance.now() < deadline; n += 1) {
      if (n > 0 && n % options.sessionRequests === 0) artist = artists[Math.floor(random() * artists.length)]!;
      const i = pick(random());
      const request = requests[i]!;
      const { who, values } = resolveParams(request, artist, artists, random, cursor, options.touched);
      const outcome = await execute(sql, request, who, values);
      record(recorders[i]!, outcome);
      const now = performance.now();
      ends.push(now);
      if (options.onTick && now - lastTick > 1000) {
        lastTick = now;
        options.onTick(ends.length, now - started);
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, v) => user(v)));
  return collect(requests, recorders, ends, started, performance.now() - started, options.clients, options.pool);
}

export interface IsolatedResult {
  name: string;
  title: string;
  requests: number;
  errors: number;
  errorMessages: string[];
  latency: Summary;
  bytes: number;
}

/** Each request type alone, one client, warm (after `warmup` unmeasured runs): latency at the database. */
export async function runIsolated(sql: Sql, requests: PlannedRequest[], artists: BenchArtist[], options: { iterations: number; warmup: number; seed: number; touched: Touched }): Promise<IsolatedResult[]> {
  const out: IsolatedResult[] = [];
  const cursor = new Map<string, number>();
  for (const request of requests) {
    const random = rng(options.seed);
    const rec = new Recorder();
    for (let i = -options.warmup; i < options.iterations; i += 1) {
      const artist = artists[Math.floor(random() * artists.length)]!;
      const { who, values } = resolveParams(request, artist, artists, random, cursor, options.touched);
      const outcome = await execute(sql, request, who, values);
      if (i >= 0) record(rec, outcome);
    }
    const bytes = rec.bytes.length ? rec.bytes.reduce((a, b) => a + b, 0) / rec.bytes.length : 0;
    out.push({ name: request.name, title: request.title, requests: rec.latencies.length, errors: rec.errors, errorMessages: [...rec.errorMessages], latency: summarize(rec.latencies), bytes });
  }
  return out;
}

export interface CeilingResult {
  /** `select 1` through the same pool and client. */
  trivial: { throughput: number; latency: Summary };
  /** An impersonated read-only transaction running `select 1`: the floor of any request. */
  emptyRequest: { throughput: number; latency: Summary };
}

async function closedLoop(clients: number, durationMs: number, fn: () => Promise<unknown>): Promise<{ throughput: number; latency: Summary }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await fn();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { throughput: latencies.length / ((performance.now() - started) / 1000), latency: summarize(latencies) };
}

export async function measureCeiling(sql: Sql, artist: BenchArtist, clients: number, durationMs: number): Promise<CeilingResult> {
  const trivial = await closedLoop(clients, durationMs, () => sql`select 1`);
  const emptyRequest = await closedLoop(clients, durationMs, () =>
    asUser(sql, { role: 'authenticated', sub: artist.id, email: artist.email }, (tx) => tx`select 1`, { readOnly: true, method: 'GET' }),
  );
  return { trivial, emptyRequest };
}
