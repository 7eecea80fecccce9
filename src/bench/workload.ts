/**
 * The mix as planned requests, the bench's artists, restoring what the writes touched, and each
 * request alone through asUser (one client, warm: the latency of one request, body sizes). The
 * load itself runs in engine.ts (or pgbench.ts).
 *
 * Writes commit (a commit's WAL flush is part of the cost); the ids they touched are restored
 * afterwards (`restoreWrites`), so a run leaves the seeded data as it found it.
 */
import { gzipSync } from 'node:zlib';
import type { Sql } from '../db/connect.js';
import { asUser } from '../db/impersonate.js';
import { wrapBody, type Mix, type MixRequest, type Param } from './mix.js';
import { rng } from './rng.js';
import { summarize, type Summary } from './stats.js';
import { PLATFORMS, type Subject } from './transactions.js';

export { rng } from './rng.js';

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

export function planRequests(
  mix: Mix,
  schema: 'shipped' | 'draft',
  variant: 'as-written' | 'repaired' = 'repaired',
): PlannedRequest[] {
  return mix.requests.map((r) => {
    let text = r.sql;
    if (schema === 'draft') {
      text = r.baseline?.sql ?? text;
      if (variant === 'repaired' && r.baseline?.repairedSql) text = r.baseline.repairedSql;
    }
    return {
      name: r.name,
      title: r.title,
      weight: r.weight,
      readOnly: r.readOnly,
      response: r.response,
      params: r.params,
      sql: wrapBody(r, text),
    };
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

/** The rows the load engines' writes may touch: each subject's notification and task. */
export function touchSubjects(touched: Touched, subjects: readonly Subject[]): void {
  for (const s of subjects) {
    touched.notifications.add(s.notificationId);
    touched.tasks.add(s.taskId);
  }
}

/** Puts touched rows back as they were seeded (unread, pending: the only rows the writes pick). */
export async function restoreWrites(sql: Sql, touched: Touched): Promise<void> {
  const n = [...touched.notifications];
  const t = [...touched.tasks];
  if (n.length)
    await sql`update public.notifications set opened = false, opened_at = null where id = any(${n}::uuid[])`;
  if (t.length) await sql`update public.tasks set completed = false, completed_at = null where id = any(${t}::uuid[])`;
  touched.notifications.clear();
  touched.tasks.clear();
}

interface Outcome {
  ms: number;
  bytes: number;
  body?: string;
  error?: string;
}

/** The session's artist, or another one when the request needs ids this artist does not have. */
function resolveParams(
  request: PlannedRequest,
  artist: BenchArtist,
  artists: BenchArtist[],
  random: () => number,
  cursor: Map<string, number>,
  touched: Touched,
) {
  let who = artist;
  const needs = (a: BenchArtist) =>
    (request.params.includes('notification_id') && !a.notifications.length) ||
    (request.params.includes('task_id') && !a.tasks.length);
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

async function execute(
  sql: Sql,
  request: PlannedRequest,
  artist: BenchArtist,
  values: (string | null)[],
): Promise<Outcome> {
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
    return {
      ms: performance.now() - started,
      bytes: 0,
      error: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`,
    };
  }
}

class Recorder {
  latencies: number[] = [];
  errors = 0;
  errorMessages = new Set<string>();
  bytes: number[] = [];
  gzip: number[] = [];
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

export interface IsolatedResult {
  name: string;
  title: string;
  requests: number;
  errors: number;
  errorMessages: string[];
  latency: Summary;
  /** Response body bytes: mean, max, and the gzipped mean of a sample. */
  bytes: number;
  bytesMax: number;
  gzipMean: number | null;
}

/** Each request type alone, one client, warm (after `warmup` unmeasured runs): latency at the database. */
export async function runIsolated(
  sql: Sql,
  requests: PlannedRequest[],
  artists: BenchArtist[],
  options: { iterations: number; warmup: number; seed: number; touched: Touched },
): Promise<IsolatedResult[]> {
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
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    out.push({
      name: request.name,
      title: request.title,
      requests: rec.latencies.length,
      errors: rec.errors,
      errorMessages: [...rec.errorMessages],
      latency: summarize(rec.latencies),
      bytes: mean(rec.bytes),
      bytesMax: Math.max(0, ...rec.bytes),
      gzipMean: rec.gzip.length ? mean(rec.gzip) : null,
    });
  }
  return out;
}
