/**
 * The Supabase CLI's project layout: `supabase/config.toml` beside `supabase/migrations/` and the
 * seed files. dreamdb reads the few keys that decide what it does (the rest belong to the CLI and
 * are ignored): db.major_version, db.seed.enabled / sql_paths, api.auto_expose_new_tables.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { CONFIG_NAMES } from './load.js';
import { formatZodIssues } from './values.js';

export interface SupabaseProject {
  /** The directory holding supabase/ (the project root). */
  root: string;
  /** Absolute path of supabase/. */
  dir: string;
  configPath: string;
  migrationsDir: string;
  majorVersion?: number;
  seed: { enabled: boolean; sqlPaths: string[] };
  /** [api] auto_expose_new_tables; undefined when the key is absent. */
  autoExposeNewTables?: boolean;
}

// Only the keys dreamdb uses are checked; every other table and key is the CLI's business.
const tomlSchema = z.looseObject({
  db: z
    .looseObject({
      major_version: z.number().int().min(13).max(30).optional(),
      seed: z
        .looseObject({
          enabled: z.boolean().optional(),
          sql_paths: z.array(z.string().min(1)).optional(),
        })
        .optional(),
    })
    .optional(),
  api: z.looseObject({ auto_expose_new_tables: z.boolean().optional() }).optional(),
});

const ROOT_MARKERS = ['package.json', '.git', ...CONFIG_NAMES];

/**
 * Finds supabase/config.toml from the working directory upwards, stopping at the project root
 * (the first directory with package.json, .git or a dreamdb config).
 */
export function findSupabaseConfig(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  while (true) {
    const candidate = path.join(dir, 'supabase', 'config.toml');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir || ROOT_MARKERS.some((m) => existsSync(path.join(dir, m)))) return undefined;
    dir = parent;
  }
}

export async function loadSupabaseProject(cwd: string): Promise<SupabaseProject | undefined> {
  const configPath = findSupabaseConfig(cwd);
  if (!configPath) return undefined;
  const shown = path.relative(cwd, configPath) || configPath;
  const text = await fs.readFile(configPath, 'utf8');
  // The TOML parser loads only for a Supabase project: most runs have no config.toml to read.
  const { parse, TomlError } = await import('smol-toml');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new UsageError(`${shown}:${error.line}:${error.column}: ${reason}`, {
        hint: 'Fix the TOML syntax (the Supabase CLI reads this file too).',
      });
    }
    throw error;
  }
  const parsed = tomlSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error.issues);
    throw new UsageError(`${shown}: ${problems.join('; ')}`, {
      hint: 'See https://supabase.com/docs/guides/local-development/cli/config for these keys.',
    });
  }
  const dir = path.dirname(configPath);
  const { db, api } = parsed.data;
  return {
    root: path.dirname(dir),
    dir,
    configPath,
    migrationsDir: path.join(dir, 'migrations'),
    ...(db?.major_version !== undefined ? { majorVersion: db.major_version } : {}),
    seed: { enabled: db?.seed?.enabled ?? true, sqlPaths: db?.seed?.sql_paths ?? ['./seed.sql'] },
    ...(api?.auto_expose_new_tables !== undefined ? { autoExposeNewTables: api.auto_expose_new_tables } : {}),
  };
}

/** db.major_version against the server's: a message when they differ. */
export function majorVersionMismatch(
  project: SupabaseProject,
  serverVersionNum: number,
  cwd: string,
): string | undefined {
  if (project.majorVersion === undefined) return undefined;
  const server = Math.floor(serverVersionNum / 10_000);
  if (server === project.majorVersion) return undefined;
  return `db.major_version = ${project.majorVersion} in ${path.relative(cwd, project.configPath) || project.configPath}, but the target runs PostgreSQL ${server}`;
}
