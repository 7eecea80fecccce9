/** `dreamdb migrate`: bring the target to the current schema, each file exactly once. */
import { confirmProduction, migrateSettings, withTarget, type Context } from '../context.js';
import { runMigrations, type MigrateEvent, type MigrateRunResult } from '../migrate/engine.js';
import { CancelledError, UsageError } from '../errors.js';
import { withDb } from '../db/connect.js';
import { majorVersionMismatch } from '../config/supabase-toml.js';
import { runSeeds, type SeedRun } from '../migrate/seeds.js';
import type { MigrationPlan } from '../plan/migrations.js';
import { style } from '../ui/output.js';
import type { LintReport } from '../lint/model.js';
import { lintJson, renderLint } from '../lint/report.js';
import { checkAllow, LintRefusedError, lintPending } from '../lint/run.js';
import { describeScratch, renderTrace, traceOnScratch, type TraceResult } from '../lint/trace/index.js';

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

export async function migrate(ctx: Context, options: MigrateOptions = {}): Promise<MigrateResult> {
  const settings = { ...migrateSettings(ctx), ...(options.lockTimeoutMs ? { lockTimeoutMs: options.lockTimeoutMs } : {}), ...(options.waitMs ? { waitMs: options.waitMs } : {}) };
  checkAllow(options.allow);
  if (options.trace && !options.dryRun) throw new UsageError('--trace measures on a scratch copy and needs --dry-run: `dreamdb migrate --dry-run --trace`.');
  if (options.includeSeed && !ctx.supabase) {
    throw new UsageError('--include-seed runs the seed files of supabase/config.toml, and there is none here.', { hint: 'Run from the project that holds supabase/config.toml, or use `dreamdb seed` for the Dream Suite fixtures.' });
  }
  let lint: LintReport | undefined;
  return withTarget(ctx, async (target) => {
    if (ctx.supabase?.majorVersion !== undefined) {
      const num = await withDb(target.url, async (sql) => Number((await sql<{ v: string }[]>`select current_setting('server_version_num') as v`)[0]!.v));
      const mismatch = majorVersionMismatch(ctx.supabase, num, ctx.cwd);
      if (mismatch && target.embedded) ctx.out.warn(`${mismatch} (the embedded default); test against your version with --db.`);
      else if (mismatch) throw new UsageError(`${mismatch}.`, { hint: 'Set db.major_version to the server\'s major version (SHOW server_version), or point --db at the server the project runs on.' });
    }
    const result = await ctx.out.task(`Migrating ${target.display}`, (progress) =>
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
          if (!(await confirmProduction(ctx, target, `Apply ${plan.pending.length} migration(s)`))) throw new CancelledError('Not confirmed; nothing was applied.');
          return true;
        },
      }),
    );
    const trace = options.trace && result.plan.pending.length ? await traceOnScratch(ctx, target.url, result.plan.pending, result.plan.applied.at(-1)?.version, options.traceRows) : undefined;
    if (lint && !options.dryRun) for (const f of lint.findings) ctx.out.warn(`${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message}`);
    const seeds = options.includeSeed && ctx.supabase && !result.dryRun ? await runSeeds(target.url, ctx.supabase, { waitMs: settings.waitMs }) : [];
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
      update(`applying ${event.file.version}_${event.file.name}${event.resumeFrom ? ` (resuming at statement ${event.resumeFrom + 1})` : ''}`);
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

export function describePlan(plan: MigrationPlan): string[] {
  const late = new Set(plan.outOfOrder.map((f) => f.version));
  const lines = plan.adopted.map((f) => `  ${style.green('adopt')}    ${f.version}_${f.name} (applied by the Supabase CLI; recorded, not run)`);
  lines.push(...plan.pending.map((f) => `  ${style.cyan('pending')}  ${f.version}_${f.name}${f.noTransaction ? ' (no-transaction)' : ''}${late.has(f.version) ? style.yellow(' (out of order: needs --include-all)') : ''}`));
  for (const f of plan.deferred) lines.push(`  ${style.dim('later')}    ${f.version}_${f.name} (after --to)${late.has(f.version) ? style.yellow(' (out of order)') : ''}`);
  return lines.length ? lines : ['  nothing to apply'];
}

export function renderMigrate(result: MigrateResult): string[] {
  const lines: string[] = [];
  if (result.dryRun) {
    lines.push(`Plan for ${result.target}${result.base === 'would-install' ? ' (the Supabase-compatible base would be installed first)' : ''}:`);
    lines.push(...describePlan(result.plan));
    if (result.lint) lines.push('', ...renderLint(result.lint, { explain: false }));
    if (result.lint?.counts.error) lines.push(`A real run would refuse (exit 3): fix the files, suppress with a reason, or accept with ${[...new Set(result.lint.findings.filter((f) => f.level === 'error').map((f) => `--allow ${f.rule}`))].join(' ')}.`);
    if (result.trace) lines.push('', `Measured on a scratch copy (${describeScratch(result.trace)}):`, ...renderTrace(result.trace).map((l) => `  ${l}`));
    return lines;
  }
  for (const a of result.applied) lines.push(`${style.green('applied')}  ${a.version}_${a.name}  ${style.dim(`${a.durationMs} ms`)}`);
  const total = result.plan.applied.length + result.applied.length;
  lines.push(result.applied.length ? `${result.applied.length} migration(s) applied; ${total} in all.` : `Already up to date (${total} migration(s) applied).`);
  if (result.plan.deferred.length) lines.push(`${result.plan.deferred.length} migration(s) left for later (--to).`);
  for (const seed of result.seeds) lines.push(`${seed.action === 'seeded' ? style.green('seeded') : style.dim(seed.action)}  ${seed.path}${seed.action === 'hash-updated' ? style.dim('  (changed since it was seeded; not run again, as the Supabase CLI)') : ''}`);
  return lines;
}

export function migrateJson(result: MigrateResult) {
  return {
    target: result.target,
    dryRun: result.dryRun,
    base: result.base,
    applied: result.applied,
    pending: result.dryRun ? result.plan.pending.map((f) => ({ version: f.version, name: f.name, path: f.path })) : [],
    deferred: result.plan.deferred.map((f) => ({ version: f.version, name: f.name })),
    seeds: result.seeds,
    adopted: result.plan.adopted.map((f) => ({ version: f.version, name: f.name })),
    outOfOrder: result.plan.outOfOrder.map((f) => ({ version: f.version, name: f.name })),
    unknown: result.plan.unknown.map((r) => ({ version: r.version, name: r.name })),
    lint: result.lint ? lintJson(result.lint) : null,
    trace: result.trace ?? null,
  };
}
