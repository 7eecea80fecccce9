/**
 * `dreamdb db reset`: drop the database, create it empty, migrate it to a version. Without a
 * question on the embedded default; on another non-production target only once confirmed;
 * never on production. Seeding is the command's next step (seed is its own area).
 */
import { resolveTarget, withTarget, migrateSettings, type Context } from '../context.js';
import { withDb } from '../db/connect.js';
import { UsageError, DreamdbError } from '../errors.js';
import { runMigrations } from '../migrate/engine.js';
import { isPgError } from '../db/sqlfile.js';

export interface ResetOptions {
  version?: string;
}

export interface ResetResult {
  target: string;
  database: string;
  applied: string[];
}

export async function resetDatabase(ctx: Context, options: ResetOptions = {}): Promise<ResetResult> {
  const resolved = resolveTarget(ctx);
  if (resolved.production) {
    throw new UsageError('Refusing to reset a target labelled production: it would drop every row.', {
      hint: 'db reset is for the embedded default, CI and scratch databases. Point --db elsewhere, or fix db.label / DREAMDB_LABEL.',
    });
  }
  return withTarget(ctx, async (target) => {
    const database = decodeURIComponent(new URL(target.url).pathname.replace(/^\//, '')) || 'postgres';
    if (!target.embedded && !ctx.flags.yes) {
      await ctx.out.confirmOrCancel(`Drop and rebuild ${target.display}? Every row in it is lost.`, {
        hint: 'Pass --yes to reset a non-embedded database without a terminal.',
        declined: 'Nothing was reset.',
      });
    }
    await recreate(target.url, database);
    const result = await runMigrations(target.url, { settings: migrateSettings(ctx), to: options.version, cwd: ctx.cwd });
    return { target: target.display, database, applied: result.applied.map((a) => a.version) };
  });
}

/** DROP DATABASE needs another database to stand in: the maintenance one, or template1 for it. */
async function recreate(url: string, database: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = database === 'postgres' ? '/template1' : '/postgres';
  try {
    await withDb(admin.toString(), async (sql) => {
      await sql.unsafe(`drop database if exists "${database.replace(/"/g, '""')}" with (force)`);
      await sql.unsafe(`create database "${database.replace(/"/g, '""')}"`);
    });
  } catch (error) {
    if (isPgError(error)) {
      throw new DreamdbError(`Could not drop and recreate ${database}: ${error.message}`, {
        hint: 'db reset needs a role that may drop and create databases (the embedded default has one).',
        cause: error,
      });
    }
    throw error;
  }
}
