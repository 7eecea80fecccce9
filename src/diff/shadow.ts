/**
 * The shadow: the migration files applied to a fresh scratch database on the embedded server
 * (no Docker, nothing installed), always dropped afterwards. And the endpoints a diff compares:
 * `migrations` (a shadow), `local` (the embedded development database) or a connection string.
 */
import { randomBytes } from 'node:crypto';
import { embeddedDir, migrateSettings, type Context } from '../context.js';
import { acquire, type Lease } from '../db/embedded.js';
import { validateUrl, withDb } from '../db/connect.js';
import { redactUrl } from '../db/redact.js';
import { runMigrations } from '../migrate/engine.js';

export interface ShadowOptions {
  /** Stop after this version (drift replays only what the target has applied). */
  to?: string;
  /** The database the shadow will be compared with (a non-production target). */
  near?: string;
  onProgress?: (message: string) => void;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Leases are per process (one lease file per pid), so nested uses share one and release it once. */
const held = new Map<string, { lease: Promise<Lease>; users: number }>();

/** Runs fn with the embedded server's lease; the server stops afterwards unless something else holds it. */
export async function withEmbedded<T>(ctx: Context, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const paths = embeddedDir(ctx);
  let entry = held.get(paths.root);
  if (!entry) held.set(paths.root, (entry = { lease: acquire(paths), users: 0 }));
  entry.users += 1;
  try {
    return await fn(await entry.lease);
  } finally {
    entry.users -= 1;
    if (entry.users === 0) {
      held.delete(paths.root);
      await (await entry.lease.catch(() => undefined))?.release();
    }
  }
}

/**
 * A scratch database with the migrations applied; dropped even when fn throws. It lives on the
 * embedded server, unless `near` (the database it will be compared with) runs another major
 * version and may host it: catalog text (view definitions, privileges) differs between majors,
 * so the shadow then runs beside that database, as the Supabase CLI picks a shadow image of the
 * target's version.
 */
export async function withShadow<T>(ctx: Context, options: ShadowOptions, fn: (url: string) => Promise<T>): Promise<T> {
  return withEmbedded(ctx, async (lease) => {
    const host = options.near ? await pickHost(lease.url, options.near) : lease.url;
    if (host !== lease.url) options.onProgress?.(`The target runs another PostgreSQL major version: the shadow runs on its server (${redactUrl(host)}).`);
    const name = `dreamdb_shadow_${process.pid}_${randomBytes(3).toString('hex')}`;
    await withDb(host, (sql) => sql.unsafe(`create database "${name}"`));
    try {
      const url = withDatabase(host, name);
      options.onProgress?.(`Replaying migrations in a shadow database on the ${host === lease.url ? 'embedded server' : "target's server"} ...`);
      await runMigrations(url, { settings: migrateSettings(ctx), to: options.to, cwd: ctx.cwd });
      return await fn(url);
    } finally {
      await withDb(host, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
    }
  });
}

async function pickHost(embeddedUrl: string, near: string): Promise<string> {
  const major = (url: string) => withDb(url, async (sql) => Math.floor(Number((await sql<{ v: string }[]>`select current_setting('server_version_num') as v`)[0]!.v) / 10000));
  const [mine, theirs] = await Promise.all([major(embeddedUrl), major(near)]);
  if (mine === theirs) return embeddedUrl;
  const canCreate = await withDb(near, async (sql) => (await sql<{ ok: boolean }[]>`select rolcreatedb or rolsuper as ok from pg_roles where rolname = current_user`)[0]?.ok ?? false);
  return canCreate ? near : embeddedUrl;
}

export type Endpoint = { kind: 'migrations' } | { kind: 'local' } | { kind: 'url'; url: string };

export function parseEndpoint(value: string): Endpoint {
  if (value === 'migrations') return { kind: 'migrations' };
  if (value === 'local') return { kind: 'local' };
  validateUrl(value);
  return { kind: 'url', url: value };
}

export function describeEndpoint(e: Endpoint): string {
  return e.kind === 'url' ? redactUrl(e.url) : e.kind === 'migrations' ? 'the migration files (shadow)' : 'the local embedded database';
}

/** Resolves an endpoint to a connection string for the duration of fn. */
export async function withEndpoint<T>(ctx: Context, e: Endpoint, options: ShadowOptions, fn: (url: string) => Promise<T>): Promise<T> {
  if (e.kind === 'url') return fn(e.url);
  if (e.kind === 'migrations') return withShadow(ctx, options, fn);
  return withEmbedded(ctx, (lease) => fn(lease.url));
}
