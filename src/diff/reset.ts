/**
 * `dreamdb db reset`: drop the database, create it empty, migrate it to a version. Without a
 * question on the embedded default; on another non-production target only once confirmed;
 * never on production. Then the seed fixtures, through the seed area, on the same target.
 */
import { resolveTarget, withTarget, migrateSettings, type Context } from '../context.js';
import { createDatabase, databaseOf, dropDatabase, withMaintenanceDb } from '../db/databases.js';
import { translatePgError } from '../db/pg-errors.js';
import { UsageError } from '../errors.js';
import { runMigrations } from '../migrate/engine.js';
import { fixturesLocation, seedDatabase, seedHooks, type SeedResult } from '../seed/run.js';

export interface ResetOptions {
  version?: string;
  /** Then apply the seed fixtures (src/seed/), on the same target. */
  seed?: boolean;
}

export interface ResetResult {
  target: string;
  database: string;
  applied: string[];
  /** The seed's result; null with --no-seed. */
  seeded: SeedResult | null;
}

export async function resetDatabase(ctx: Context, options: ResetOptions = {}): Promise<ResetResult> {
  const resolved = resolveTarget(ctx);
  if (resolved.production) {
    throw new UsageError('Refusing to reset a target labelled production: it would drop every row.', {
      hint: 'db reset is for the embedded default, CI and scratch databases. Point --db elsewhere, or fix db.label / DREAMDB_LABEL.',
    });
  }
  return withTarget(ctx, async (target) => {
    const database = databaseOf(target.url);
    if (!target.embedded && !ctx.flags.yes) {
      await ctx.out.confirmOrCancel(`Drop and rebuild ${target.display}? Every row in it is lost.`, {
        hint: 'Pass --yes to reset a non-embedded database without a terminal.',
        declined: 'Nothing was reset.',
      });
    }
    await recreate(target.url, database);
    const result = await runMigrations(target.url, {
      settings: migrateSettings(ctx),
      to: options.version,
      cwd: ctx.cwd,
    });
    const seeded = options.seed
      ? await seedDatabase(
          target,
          { fixtures: fixturesLocation(ctx.cwd, ctx.config.seed?.fixturesDir) },
          seedHooks(ctx.out, { yes: ctx.flags.yes }),
        )
      : null;
    return { target: target.display, database, applied: result.applied.map((a) => a.version), seeded };
  });
}

/** DROP DATABASE needs another database to stand in: the maintenance one, or template1 for it. */
async function recreate(url: string, database: string): Promise<void> {
  const hint = 'db reset needs a role that may drop and create databases (the embedded default has one).';
  try {
    await withMaintenanceDb(
      url,
      async (sql) => {
        await dropDatabase(sql, database, { force: true });
        await createDatabase(sql, database);
      },
      { avoid: database },
    );
  } catch (error) {
    throw translatePgError(error, {
      what: `Could not drop and recreate ${database}`,
      hints: { permission: hint, other: hint },
    });
  }
}
