/**
 * `dreamdb migration lint [files…]`: what each file will do to a live app, before it runs; the
 * lint itself is src/lint/, this picks the files and the catalog to judge them against.
 */
import path from 'node:path';
import { migrateSettings, resolveTarget, withTarget, type Context } from '../context.js';
import { withDb } from '../db/connect.js';
import type { LintReport } from '../lint/model.js';
import { lintJunit, lintSarif, writeReportFile } from '../lint/report.js';
import { RULES } from '../lint/rules/index.js';
import { lintOffline, lintPending, readFiles } from '../lint/run.js';
import { traceOnScratch, type TraceResult } from '../lint/trace/index.js';
import { inspect } from './engine.js';

export interface LintMigrationsOptions {
  allow?: string[];
  sarif?: string;
  junit?: string;
  /** Also apply the files to a scratch copy of the target and measure their locks. */
  trace?: boolean;
  traceRows?: number;
}

export interface LintMigrationsResult {
  report: LintReport;
  trace?: TraceResult;
}

/**
 * Against the target's catalog when one is given (--db, DATABASE_URL, config): the named files,
 * or else what it has pending. Without one, no server is started: the files (default: all) are
 * judged against what the earlier migration files created.
 */
export async function lintMigrations(
  ctx: Context,
  files: string[],
  options: LintMigrationsOptions = {},
): Promise<LintMigrationsResult> {
  const settings = migrateSettings(ctx);
  const dir = path.resolve(ctx.cwd, settings.dir);
  // --trace needs a server (the embedded default when no target is given); plain lint does not.
  const { report, trace } =
    resolveTarget(ctx).embedded && !options.trace
      ? { report: await lintOffline(dir, ctx.cwd, files, { allow: options.allow }), trace: undefined }
      : await withTarget(ctx, async (target) => {
          const { chosen, appliedTo, report } = await withDb(target.url, async (sql) => {
            const { plan } = await inspect(sql, settings, { cwd: ctx.cwd });
            const chosen = files.length ? await readFiles(files, ctx.cwd) : plan.pending;
            return {
              chosen,
              appliedTo: plan.applied.at(-1)?.version,
              report: await lintPending(sql, chosen, { allow: options.allow }),
            };
          });
          const trace =
            options.trace && chosen.length
              ? await traceOnScratch(ctx, target.url, chosen, appliedTo, options.traceRows)
              : undefined;
          return { report, trace };
        });
  if (options.sarif) await writeReportFile(options.sarif, `${JSON.stringify(lintSarif(report), null, 2)}\n`);
  if (options.junit) await writeReportFile(options.junit, lintJunit(report));
  return { report, ...(trace ? { trace } : {}) };
}

export function renderRules(): string[] {
  return RULES.map((r) => `${r.id.padEnd(38)} ${r.level.padEnd(5)} ${r.title}`);
}
