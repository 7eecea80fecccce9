/** `dreamdb migration new <name>`: the next file, with a UTC timestamp version and a header. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { confirmProduction, migrateSettings, withTarget, type Context } from '../context.js';
import { CancelledError, UsageError } from '../errors.js';
import { repairLedgers, type RepairResult } from '../migrate/ledgers.js';
import { loadMigrationFiles } from '../migrate/files.js';
import { compareVersions } from '../plan/migrations.js';

export interface NewMigrationResult {
  path: string;
  version: string;
  name: string;
}

export function utcVersion(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

export async function newMigration(ctx: Context, rawName: string, options: { noTransaction?: boolean; now?: Date } = {}): Promise<NewMigrationResult> {
  const name = rawName.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!name) throw new UsageError(`"${rawName}" is not a usable migration name.`, { hint: 'Use letters, digits and underscores, e.g. add_artist_bio.' });
  const dir = path.resolve(ctx.cwd, migrateSettings(ctx).dir);
  await fs.mkdir(dir, { recursive: true });
  const { files } = await loadMigrationFiles(dir, ctx.cwd);
  let version = utcVersion(options.now ?? new Date());
  // Versions must increase: if the clock is behind the newest file (or two files in one second), step past it.
  const newest = files.map((f) => f.version).sort(compareVersions).at(-1);
  if (newest && compareVersions(version, newest) <= 0) version = (BigInt(newest) + 1n).toString();
  const file = path.join(dir, `${version}_${name}.sql`);
  const header = options.noTransaction
    ? `-- dreamdb:no-transaction\n-- ${name}: runs statement by statement outside a transaction (CREATE INDEX CONCURRENTLY and friends).\n-- Progress is recorded per statement, so a rerun resumes; keep each statement safe to repeat.\n\n`
    : `-- ${name}\n-- Runs in one transaction together with its ledger row. Applied files must not be edited:\n-- put later changes in a new migration (dreamdb migration new <name>).\n\n`;
  await fs.writeFile(file, header, { flag: 'wx' });
  return { path: path.relative(ctx.cwd, file), version, name };
}

/** `dreamdb migration repair <version...> --status applied|reverted`: both ledgers, no SQL of the files. */
export async function repairMigrations(ctx: Context, versions: string[], status: string | undefined): Promise<RepairResult & { target: string }> {
  if (status !== 'applied' && status !== 'reverted') {
    throw new UsageError(`--status must be applied or reverted${status ? `, not "${status}"` : ''}.`, { hint: 'dreamdb migration repair <version...> --status applied|reverted' });
  }
  const settings = migrateSettings(ctx);
  return withTarget(ctx, async (target) => {
    if (!(await confirmProduction(ctx, target, `Mark ${versions.join(', ')} ${status} in both migration ledgers`))) throw new CancelledError('Not confirmed; nothing was changed.');
    const result = await repairLedgers(target.url, { versions, status, dir: settings.dir, cwd: ctx.cwd, waitMs: settings.waitMs });
    return { ...result, target: target.display };
  });
}

export function renderRepair(result: RepairResult & { target: string }): string[] {
  const lines = result.versions.map((v) => `  ${v.action.padEnd(8)} ${v.version}${v.name ? `_${v.name}` : ''}`);
  lines.push(`Repaired migration history on ${result.target}: ${result.versions.map((v) => v.version).join(', ')} => ${result.status}. Run \`dreamdb status\` to see it.`);
  return lines;
}
