/** `dreamdb migration new <name>` (and `db diff -f`): the next file, with a UTC timestamp version and a header. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { migrateSettings, type Context } from '../context.js';
import { UsageError } from '../errors.js';
import { compareVersions } from '../plan/migrations.js';
import { loadMigrationFiles } from './files.js';

export interface NewMigrationResult {
  path: string;
  version: string;
  name: string;
}

export function utcVersion(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

export async function newMigration(
  ctx: Context,
  rawName: string,
  options: { noTransaction?: boolean; now?: Date } = {},
): Promise<NewMigrationResult> {
  const name = rawName
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!name)
    throw new UsageError(`"${rawName}" is not a usable migration name.`, {
      hint: 'Use letters, digits and underscores, e.g. add_artist_bio.',
    });
  const dir = path.resolve(ctx.cwd, migrateSettings(ctx).dir);
  await fs.mkdir(dir, { recursive: true });
  const { files } = await loadMigrationFiles(dir, ctx.cwd);
  let version = utcVersion(options.now ?? new Date());
  // Versions must increase: if the clock is behind the newest file (or two files in one second), step past it.
  const newest = files
    .map((f) => f.version)
    .sort(compareVersions)
    .at(-1);
  if (newest && compareVersions(version, newest) <= 0) version = (BigInt(newest) + 1n).toString();
  const file = path.join(dir, `${version}_${name}.sql`);
  const header = options.noTransaction
    ? `-- dreamdb:no-transaction\n-- ${name}: runs statement by statement outside a transaction (CREATE INDEX CONCURRENTLY and friends).\n-- Progress is recorded per statement, so a rerun resumes; keep each statement safe to repeat.\n\n`
    : `-- ${name}\n-- Runs in one transaction together with its ledger row. Applied files must not be edited:\n-- put later changes in a new migration (dreamdb migration new <name>).\n\n`;
  await fs.writeFile(file, header, { flag: 'wx' });
  return { path: path.relative(ctx.cwd, file), version, name };
}
