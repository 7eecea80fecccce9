/**
 * What every command receives: flags, validated config, output, and the target database,
 * resolved in one place: --db, DATABASE_URL, SUPABASE_DB_URL, config file, embedded default.
 */
import path from 'node:path';
import { loadConfig } from './config/load.js';
import { findProjectRoot } from './config/root.js';
import { loadSupabaseProject, type SupabaseProject } from './config/supabase-toml.js';
import type { Config } from './config/schema.js';
import { acquire, embeddedPaths, type EmbeddedPaths } from './db/embedded.js';
import { validateUrl } from './db/url.js';
import { redactUrl } from './db/redact.js';
import { UsageError } from './errors.js';
import { createOutput, type Output } from './ui/output.js';
import { defaultMigrateSettings, type MigrateSettings } from './migrate/settings.js';

export interface GlobalFlags {
  db?: string;
  config?: string;
  json?: boolean;
  yes?: boolean;
  debug?: boolean;
}

export type TargetSource = '--db' | 'DATABASE_URL' | 'SUPABASE_DB_URL' | 'config' | 'embedded';

export interface Target {
  url: string;
  source: TargetSource;
  /** The connection string with the password hidden, for every message. */
  display: string;
  label?: string;
  production: boolean;
  embedded: boolean;
}

export interface Context {
  /** Where dreamdb was run: paths given on the command line resolve from here. */
  cwd: string;
  /**
   * The project root (src/config/root.ts): the config, the migrations, the embedded server's
   * data and every path written in the config resolve from here. The same as cwd when dreamdb
   * runs in the root.
   */
  root: string;
  flags: GlobalFlags;
  config: Config;
  configPath?: string;
  /** The Supabase CLI's layout (supabase/config.toml), when the project has one. */
  supabase?: SupabaseProject;
  out: Output;
  env: NodeJS.ProcessEnv;
}

export async function createContext(
  flags: GlobalFlags,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; out?: Output } = {},
): Promise<Context> {
  const cwd = options.cwd ?? process.cwd();
  const { root } = findProjectRoot(cwd);
  const { config, path: configPath, deprecations } = await loadConfig(cwd, flags.config, root);
  const supabase = await loadSupabaseProject(root);
  const out = options.out ?? createOutput({ json: flags.json });
  for (const line of deprecations) out.warn(line);
  return {
    cwd,
    root,
    flags,
    config,
    ...(configPath ? { configPath } : {}),
    ...(supabase ? { supabase } : {}),
    out,
    env: options.env ?? process.env,
  };
}

/** A path written in the config (or a project default), as an absolute path from the project root. */
export function projectPath(ctx: Pick<Context, 'root'>, relative: string): string {
  return path.resolve(ctx.root, relative);
}

/** A project path as the commands show and resolve it: relative to where dreamdb was run. */
function fromCwd(ctx: Pick<Context, 'cwd' | 'root'>, relative: string): string {
  return ctx.root === ctx.cwd ? relative : path.relative(ctx.cwd, projectPath(ctx, relative)) || '.';
}

export function embeddedDir(ctx: Context): EmbeddedPaths {
  return embeddedPaths(projectPath(ctx, ctx.config.embedded?.dir ?? '.dreamdb'));
}

export function migrateSettings(ctx: Context): MigrateSettings {
  const m = ctx.config.migrations;
  return {
    dir: m?.dir
      ? fromCwd(ctx, m.dir)
      : ctx.supabase
        ? path.relative(ctx.cwd, ctx.supabase.migrationsDir)
        : fromCwd(ctx, defaultMigrateSettings.dir),
    lockTimeoutMs: m?.lockTimeout ?? defaultMigrateSettings.lockTimeoutMs,
    lockRetries: m?.lockAttempts ?? m?.lockRetries ?? defaultMigrateSettings.lockRetries,
    waitMs: m?.waitTimeout ?? defaultMigrateSettings.waitMs,
    autoExposeNewTables: ctx.config.base?.autoExposeNewTables ?? ctx.supabase?.autoExposeNewTables ?? false,
  };
}

/** Which database, without connecting or starting anything. */
export function resolveTarget(ctx: Context): Omit<Target, 'url' | 'display'> & { url?: string } {
  const label = ctx.env.DREAMDB_LABEL ?? ctx.config.db?.label;
  const external = (url: string, source: TargetSource) => {
    validateUrl(url);
    return { url, source, label, production: label === 'production', embedded: false };
  };
  if (ctx.flags.db) return external(ctx.flags.db, '--db');
  if (ctx.env.DATABASE_URL) return external(ctx.env.DATABASE_URL, 'DATABASE_URL');
  if (ctx.env.SUPABASE_DB_URL) return external(ctx.env.SUPABASE_DB_URL, 'SUPABASE_DB_URL');
  const db = ctx.config.db;
  if (db?.url) return external(db.url, 'config');
  if (db?.urlEnv) {
    const value = ctx.env[db.urlEnv];
    if (!value) {
      throw new UsageError(`The config names ${db.urlEnv} for the connection string, but it is not set.`, {
        hint: `export ${db.urlEnv}=postgresql://... or pass --db <url>.`,
      });
    }
    return external(value, 'config');
  }
  // The embedded default is a local development server: never production.
  return { source: 'embedded', label: 'embedded', production: false, embedded: true };
}

/**
 * Runs fn against the target. The embedded server is started on demand and stopped afterwards,
 * unless `dreamdb db start` is keeping it up.
 */
export async function withTarget<T>(ctx: Context, fn: (target: Target) => Promise<T>): Promise<T> {
  const resolved = resolveTarget(ctx);
  if (resolved.url) return fn({ ...resolved, url: resolved.url, display: redactUrl(resolved.url) });
  const lease = await acquire(embeddedDir(ctx));
  try {
    return await fn({ ...resolved, url: lease.url, display: `${lease.url} (embedded)` });
  } finally {
    await lease.release();
  }
}

/** Plan → show → confirm → apply: production targets need typed confirmation or --yes. */
export async function confirmProduction(ctx: Context, target: Target, action: string): Promise<boolean> {
  if (!target.production || ctx.flags.yes) return true;
  // databases.ts imports the driver: loaded only when a production target is to be confirmed.
  const { databaseOf } = await import('./db/databases.js');
  const name = databaseOf(target.url);
  return ctx.out.confirmTyped(`${action} on PRODUCTION (${target.display}).`, name);
}
