/**
 * The Supabase CLI's seed files (`[db.seed] sql_paths` in supabase/config.toml), run and
 * hash-tracked in supabase_migrations.seed_files exactly as the CLI does: the path is stored
 * relative to the project root (supabase/seed.sql), the hash is the sha256 of the file's bytes;
 * a new file runs, an unchanged one is skipped, a changed one only has its hash updated (the CLI
 * never re-runs a seed). Each file runs in one transaction with its row.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withDb, type Sql } from '../db/connect.js';
import { LockKeys, withAdvisoryLock } from '../db/lock.js';
import { fileError, isPgError, splitStatements } from '../db/sqlfile.js';
import { UsageError } from '../errors.js';
import type { SupabaseProject } from '../config/supabase-toml.js';

export interface SeedFile {
  /** As the CLI records it: relative to the project root, forward slashes. */
  path: string;
  absolute: string;
  hash: string;
}

export interface SeedRun {
  path: string;
  action: 'seeded' | 'unchanged' | 'hash-updated';
}

/** sql_paths patterns, relative to supabase/, with `*` and `?` in file names; in pattern order. */
export async function resolveSeedFiles(project: SupabaseProject): Promise<SeedFile[]> {
  const seen = new Set<string>();
  const files: SeedFile[] = [];
  for (const pattern of project.seed.sqlPaths) {
    const full = path.resolve(project.dir, pattern);
    const dir = path.dirname(full);
    const base = path.basename(full);
    let names: string[];
    if (/[*?[]/.test(base)) {
      const re = new RegExp(
        `^${base
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}$`,
      );
      names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => re.test(n)).sort();
    } else {
      names = [base];
    }
    for (const name of names) {
      const absolute = path.join(dir, name);
      if (seen.has(absolute)) continue;
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(absolute);
      } catch {
        if (/[*?[]/.test(base)) continue;
        throw new UsageError(
          `Seed file ${path.relative(project.root, absolute)} (from [db.seed] sql_paths in ${path.relative(project.root, project.configPath)}) does not exist.`,
          {
            hint: 'Create it, or fix sql_paths (paths are relative to the supabase/ directory).',
          },
        );
      }
      seen.add(absolute);
      files.push({
        path: path.relative(project.root, absolute).split(path.sep).join('/'),
        absolute,
        hash: createHash('sha256').update(bytes).digest('hex'),
      });
    }
  }
  return files;
}

async function recordedSeeds(sql: Sql): Promise<Map<string, string>> {
  const [exists] = await sql<{ ok: boolean }[]>`select to_regclass('supabase_migrations.seed_files') is not null as ok`;
  if (!exists?.ok) return new Map();
  const rows = await sql<{ path: string; hash: string }[]>`select path, hash from supabase_migrations.seed_files`;
  return new Map(rows.map((r) => [r.path, r.hash]));
}

export async function runSeeds(url: string, project: SupabaseProject, options: { waitMs: number }): Promise<SeedRun[]> {
  if (!project.seed.enabled) return [];
  const files = await resolveSeedFiles(project);
  if (!files.length) return [];
  return withDb(
    url,
    (sql) =>
      withAdvisoryLock(sql, LockKeys.migrate, { waitMs: options.waitMs, what: 'dreamdb migrate' }, async () => {
        await sql`create schema if not exists supabase_migrations`;
        await sql`create table if not exists supabase_migrations.seed_files (path text not null primary key, hash text not null)`;
        const recorded = await recordedSeeds(sql);
        const runs: SeedRun[] = [];
        for (const file of files) {
          const previous = recorded.get(file.path);
          if (previous === file.hash) {
            runs.push({ path: file.path, action: 'unchanged' });
            continue;
          }
          const text = await fs.readFile(file.absolute, 'utf8');
          const statements =
            previous === undefined ? ((await splitStatements(text)) ?? [{ text, offset: 0, kind: 'unparsed' }]) : [];
          await sql.begin(async (tx) => {
            for (const statement of statements) {
              try {
                await tx.unsafe(statement.text).simple();
              } catch (error) {
                throw isPgError(error) ? fileError({ path: file.path, text }, statement.offset, error) : error;
              }
            }
            await tx`insert into supabase_migrations.seed_files (path, hash) values (${file.path}, ${file.hash})
                   on conflict (path) do update set hash = excluded.hash`;
          });
          await sql`reset all`;
          await sql`reset role`;
          runs.push({ path: file.path, action: previous === undefined ? 'seeded' : 'hash-updated' });
        }
        return runs;
      }),
    { max: 1, connection: { application_name: 'dreamdb migrate --include-seed' } },
  );
}
