/** Reading migration files from disk. */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { MigrationFile } from '../plan/migrations.js';

/** Supabase CLI's pattern; dreamdb writes yyyymmddHHMMSS versions. */
export const MIGRATION_NAME = /^([0-9]+)_(.*)\.sql$/;
export const NO_TRANSACTION = /^--\s*dreamdb:no-transaction\b/;

/** The text a checksum is taken of: line endings, a BOM and trailing blank space don't count. */
export function normalise(text: string): string {
  return (
    text
      .replace(/^\uFEFF/, '')
      .replace(/\r\n?/g, '\n')
      .replace(/[ \t]+$/gm, '')
      .trimEnd() + '\n'
  );
}

export function checksum(text: string): string {
  return createHash('sha256').update(normalise(text)).digest('hex');
}

export interface LoadedFiles {
  files: MigrationFile[];
  /** Names in the directory that are not migrations (reported, not applied). */
  ignored: string[];
}

export async function loadMigrationFiles(dir: string, cwd = process.cwd()): Promise<LoadedFiles> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`The migrations directory ${path.relative(cwd, dir) || dir} does not exist.`, {
        hint: 'Run `dreamdb migration new <name>` to create the first migration, or set migrations.dir in dreamdb.config.json.',
      });
    }
    throw error;
  }
  const files: MigrationFile[] = [];
  const ignored: string[] = [];
  const seen = new Map<string, string>();
  for (const name of names.sort()) {
    refuseMisnamed(name);
    const match = MIGRATION_NAME.exec(name);
    if (!match) {
      if (!name.startsWith('.')) ignored.push(name);
      continue;
    }
    const [, version, label] = match as unknown as [string, string, string];
    const other = seen.get(version);
    if (other) {
      throw new UsageError(`Two migrations share version ${version}: ${other} and ${name}.`, {
        hint: 'Rename one of them with a new version (`dreamdb migration new` picks a fresh one).',
      });
    }
    seen.set(version, name);
    const full = path.join(dir, name);
    // A UTF-8 byte order mark is not SQL (editors on Windows add it).
    const text = (await fs.readFile(full, 'utf8')).replace(/^\uFEFF/, '');
    files.push({
      version,
      name: label,
      path: path.relative(cwd, full) || full,
      text,
      checksum: checksum(text),
      noTransaction: NO_TRANSACTION.test(text),
    });
  }
  return { files, ignored };
}

/**
 * Names that look like migrations but would be skipped or misordered: `*.SQL` (ignored by a
 * case-sensitive match) and versions that are not yyyymmddHHMMSS (a 6-digit version sorts before
 * every timestamp and would be applied out of order).
 */
function refuseMisnamed(name: string): void {
  const loose = /^([0-9]+)_(.*)\.sql$/i.exec(name);
  if (!loose) return;
  if (!name.endsWith('.sql')) {
    throw new UsageError(`Migration ${name} ends in ${name.slice(-4)}, which is never applied.`, {
      hint: `Rename it to ${name.slice(0, -4)}.sql.`,
    });
  }
  if (loose[1]!.length !== 14) {
    throw new UsageError(
      `Migration ${name} has a ${loose[1]!.length}-digit version; versions are UTC timestamps yyyymmddHHMMSS (14 digits).`,
      {
        hint: 'Rename it with `dreamdb migration new <name>` (which picks a fresh version) and move its SQL there.',
      },
    );
  }
}
