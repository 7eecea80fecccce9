/** `dreamdb migrate` on the command's target: the engine (engine.ts) with the lint gate, confirmation and progress. */
import { confirmProduction, migrateSettings, withTarget, type Context } from '../context.js';
import { CancelledError, UsageError } from '../errors.js';
import { withDb } from '../db/connect.js';
import { majorVersionMismatch } from '../config/supabase-toml.js';
import type { LintReport } from '../lint/model.js';
import { checkAllow, LintRefusedError, lintPending } from '../lint/run.js';
import { traceOnScratch, type TraceResult } from '../lint/trace/index.js';
import { style, type Progress } from '../ui/output.js';
import type { MigrationPlan } from '../plan/migrations.js';
import { runMigrations, type MigrateEvent, type MigrateRunResult } from './engine.js';
import { runSeeds, type SeedRun } from './seeds.js';

export interface MigrateOptions {
  dryRun?: boolean;
  to?: string;
  /** Apply pending files older than the newest applied version. */
  includeAll?: boolean;
  /** Run the Supabase CLI's seed files ([db.seed] sql_paths) after migrating, as `supabase db push --include-seed`. */
  includeSeed?: boolean;
  /** Overrides migrations.lockTimeout / waitTimeout (ms). */
  lockTimeoutMs?: number;
  waitMs?: number;
  /** Lint rules accepted for this run (error-level findings otherwise refuse). */
  allow?: string[];
  /** With dryRun: apply the pending files to a scratch copy and measure their locks. */
  trace?: boolean;
  traceRows?: number;
}

export interface MigrateResult extends MigrateRunResult {
  target: string;
  /** The lint of the pending files, when there were any. */
  lint?: LintReport;
  trace?: TraceResult;
  seeds: SeedRun[];
}

/**
 * Brings the target to the current schema: the plan, the lint gate on pending files, the
 * production confirmation, then each file exactly once; optionally the trace on a scratch copy
 * (dry runs) and the Supabase CLI's seed files.
 */
export async function migrate(ctx: Context, options: MigrateOptions = {}): Promise<MigrateResult> {
  const settings = {
    ...migrateSettings(ctx),
    ...(options.lockTimeoutMs ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
    ...(options.waitMs ? { waitMs: options.waitMs } : {}),
  };
  checkAllow(options.allow);
  if (options.trace && !options.dryRun)
    throw new UsageError(
      '--trace measures on a scratch copy and needs --dry-run: `dreamdb migrate --dry-run --trace`.',
    );
  if (options.includeSeed && !ctx.supabase) {
    throw new UsageError('--include-seed runs the seed files of supabase/config.toml, and there is none here.', {
      hint: 'Run from the project that holds supabase/config.toml, or use `dreamdb seed` for the Dream Suite fixtures.',
    });
  }
  let lint: LintReport | undefined;
  return withTarget(ctx, async (target) => {
    if (ctx.supabase?.majorVersion !== undefined) {
      const num = await withDb(target.url, async (sql) =>
        Number((await sql<{ v: string }[]>`select current_setting('server_version_num') as v`)[0]!.v),
      );
      const mismatch = majorVersionMismatch(ctx.supabase, num, ctx.cwd);
      if (mismatch && target.embedded)
        ctx.out.warn(`${mismatch} (the embedded default); test against your version with --db.`);
      else if (mismatch)
        throw new UsageError(`${mismatch}.`, {
          hint: "Set db.major_version to the server's major version (SHOW server_version), or point --db at the server the project runs on.",
        });
    }
    // A dry run changes nothing: no "Migrating …: done" line for it, only what it found.
    const withProgress = <T>(fn: (progress: Progress) => Promise<T>): Promise<T> =>
      options.dryRun ? fn({ update: (text) => ctx.out.info(text) }) : ctx.out.task(`Migrating ${target.display}`, fn);
    const result = await withProgress((progress) =>
      runMigrations(target.url, {
        settings,
        dryRun: options.dryRun,
        to: options.to,
        includeAll: options.includeAll,
        cwd: ctx.cwd,
        onEvent: (event) => report(ctx, progress.update, event),
        beforeApply: async (sql, plan) => {
          if (!plan.pending.length) return;
          lint = await lintPending(sql, plan.pending, { allow: options.allow });
          if (lint.counts.error && !options.dryRun) throw new LintRefusedError(lint);
        },
        confirm: async (plan) => {
          if (!target.production || ctx.flags.yes) return true;
          ctx.out.info(describePlan(plan).join('\n'));
          if (!(await confirmProduction(ctx, target, `Apply ${plan.pending.length} migration(s)`)))
            throw new CancelledError('Not confirmed; nothing was applied.');
          return true;
        },
      }),
    );
    const trace =
      options.trace && result.plan.pending.length
        ? await traceOnScratch(
            ctx,
            target.url,
            result.plan.pending,
            result.plan.applied.at(-1)?.version,
            options.traceRows,
          )
        : undefined;
    if (lint && !options.dryRun)
      for (const f of lint.findings) ctx.out.warn(`${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message}`);
    const seeds =
      options.includeSeed && ctx.supabase && !result.dryRun
        ? await runSeeds(target.url, ctx.supabase, { waitMs: settings.waitMs })
        : [];
    return { ...result, target: target.display, seeds, ...(lint ? { lint } : {}), ...(trace ? { trace } : {}) };
  });
}

function report(ctx: Context, update: (text: string) => void, event: MigrateEvent): void {
  switch (event.type) {
    case 'waiting':
      update(`waiting for another dreamdb migrate${event.holderPid ? ` (backend pid ${event.holderPid})` : ''}`);
      break;
    case 'base':
      if (event.action === 'installed') update('installed the Supabase-compatible base');
      if (event.action === 'skipped-supabase') update('Supabase project detected: base skipped');
      break;
    case 'start':
      update(
        `applying ${event.file.version}_${event.file.name}${event.resumeFrom ? ` (resuming at statement ${event.resumeFrom + 1})` : ''}`,
      );
      break;
    case 'retry':
      update(`${event.file.version}: lock not granted, retry ${event.attempt} in ${event.delayMs} ms`);
      break;
    case 'applied':
      update(`applied ${event.file.version}_${event.file.name} in ${event.durationMs} ms`);
      break;
    case 'warning':
      ctx.out.warn(event.message);
      break;
  }
}

/** The plan as lines: shown by --dry-run and before a production run asks to go on. */
export function describePlan(plan: MigrationPlan): string[] {
  const late = new Set(plan.outOfOrder.map((f) => f.version));
  const lines = plan.adopted.map(
    (f) => `  ${style.green('adopt')}    ${f.version}_${f.name} (applied by the Supabase CLI; recorded, not run)`,
  );
  lines.push(
    ...plan.pending.map(
      (f) =>
        `  ${style.cyan('pending')}  ${f.version}_${f.name}${f.noTransaction ? ' (no-transaction)' : ''}${late.has(f.version) ? style.yellow(' (out of order: needs --include-all)') : ''}`,
    ),
  );
  for (const f of plan.deferred)
    lines.push(
      `  ${style.dim('later')}    ${f.version}_${f.name} (after --to)${late.has(f.version) ? style.yellow(' (out of order)') : ''}`,
    );
  return lines.length ? lines : ['  nothing to apply'];
}
