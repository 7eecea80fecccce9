/** `dreamdb migration new <name>`: the next file, with a UTC timestamp version and a header. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { confirmProduction, migrateSettings, resolveTarget, withTarget, type Context } from '../context.js';
import { withDb } from '../db/connect.js';
import type { Command } from 'commander';
import { CancelledError, ExitCode, UsageError } from '../errors.js';
import { repairLedgers, type RepairResult } from '../migrate/ledgers.js';
import { action } from './action.js';
import type { LintReport } from '../lint/model.js';
import { lintJson, lintJunit, lintSarif, renderLint, writeReportFile } from '../lint/report.js';
import { RULES } from '../lint/rules/index.js';
import { lintOffline, lintPending, readFiles } from '../lint/run.js';
import { inspect } from '../migrate/engine.js';
import { describeScratch, renderTrace, traceOnScratch, type TraceResult } from '../lint/trace/index.js';
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

/* `dreamdb migration lint [files…]`: what each file will do to a live app, before it runs. */

export interface LintCommandOptions {
  allow?: string[];
  sarif?: string;
  junit?: string;
  /** Also apply the files to a scratch copy of the target and measure their locks. */
  trace?: boolean;
  traceRows?: number;
}

export interface LintCommandResult {
  report: LintReport;
  trace?: TraceResult;
}

/**
 * Against the target's catalog when one is given (--db, DATABASE_URL, config): the named files,
 * or else what it has pending. Without one, no server is started: the files (default: all) are
 * judged against what the earlier migration files created.
 */
export async function lintMigrations(ctx: Context, files: string[], options: LintCommandOptions = {}): Promise<LintCommandResult> {
  const settings = migrateSettings(ctx);
  const dir = path.resolve(ctx.cwd, settings.dir);
  // --trace needs a server (the embedded default when no target is given); plain lint does not.
  const { report, trace } = resolveTarget(ctx).embedded && !options.trace
    ? { report: await lintOffline(dir, ctx.cwd, files, { allow: options.allow }), trace: undefined }
    : await withTarget(ctx, async (target) => {
        const { chosen, appliedTo, report } = await withDb(target.url, async (sql) => {
          const { plan } = await inspect(sql, settings, { cwd: ctx.cwd });
          const chosen = files.length ? await readFiles(files, ctx.cwd) : plan.pending;
          return { chosen, appliedTo: plan.applied.at(-1)?.version, report: await lintPending(sql, chosen, { allow: options.allow }) };
        });
        const trace = options.trace && chosen.length ? await traceOnScratch(ctx, target.url, chosen, appliedTo, options.traceRows) : undefined;
        return { report, trace };
      });
  if (options.sarif) await writeReportFile(options.sarif, `${JSON.stringify(lintSarif(report), null, 2)}\n`);
  if (options.junit) await writeReportFile(options.junit, lintJunit(report));
  return { report, ...(trace ? { trace } : {}) };
}

export function renderRules(): string[] {
  return RULES.map((r) => `${r.id.padEnd(38)} ${r.level.padEnd(5)} ${r.title}`);
}

const LINT_HELP = `
Each finding: file:line:col, level, rule id, what happens to a live app, why, and the safe
alternative. Suppress one statement with a comment on it or on the line above, naming the rule
and a reason:   -- dreamdb:allow index-not-concurrent the table is created empty in this release
Suppressions are listed in the output. Without a target (--db, DATABASE_URL, config) no server
is started: what exists comes from the earlier migration files.
Exit codes: 0 clean, 3 findings at warn level or above, 2 usage or connection problem.`;

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`"${value}" is not a row count (a whole number, 0 or more).`);
  return n;
}

/** Commander's repeatable option: `--allow a --allow b` or `--allow a,b`. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function registerMigrationLint(migration: Command): void {
  migration
    .command('lint [files...]')
    .description('lint migration files from the parse tree: locks, rewrites, RLS, grants (exit 3 on findings)')
    .option('--allow <rule>', 'accept a rule for this run (repeatable, or comma-separated)', collectList)
    .option('--sarif <file>', 'also write SARIF 2.1.0 (GitHub code scanning) to file')
    .option('--junit <file>', 'also write JUnit XML to file')
    .option('--trace', 'also apply the files to a scratch copy of the target and measure locks, rewrites and scans')
    .option('--trace-rows <n>', 'rows per table sampled into a rebuilt scratch copy (default 100000)', parseCount)
    .option('--rules', 'list the rules and exit')
    .addHelpText('after', LINT_HELP)
    .action(
      action(async (ctx, files: string[], opts: LintCommandOptions & { rules?: boolean }) => {
        if (opts.rules) {
          ctx.out.result(RULES.map(({ id, level, title, why, fix }) => ({ id, level, title, why, fix })), () => renderRules());
          return ExitCode.ok;
        }
        const { report, trace } = await lintMigrations(ctx, files, opts);
        ctx.out.result({ ...lintJson(report), trace: trace ?? null }, () => [
          ...renderLint(report),
          ...(trace ? ['', `Measured on a scratch copy (${describeScratch(trace)}):`, ...renderTrace(trace).map((l) => `  ${l}`)] : []),
        ]);
        return report.findings.length ? ExitCode.checkFailed : ExitCode.ok;
      }),
    );
}
