/**
 * dreamdb audit-rls: proves tenant isolation by impersonating real users (artists A, B, C, anon,
 * service_role) inside one transaction that is always rolled back, lints the security surface,
 * and holds the mobile app's queries to latency budgets.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { AuditConfig } from '../config/audit.js';
import { UsageError } from '../errors.js';
import type { Context } from '../context.js';
import { AREAS, type Area } from '../audit/model.js';
import type { AuditReport } from '../audit/report.js';
import type { AuditOptions } from '../audit/run.js';
import { wholeNumberFlag } from '../ui/flags.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

/** `dreamdb audit-rls` as a call: the config and files resolved from the context, production refused. */
export async function auditRls(ctx: Context, options: AuditOptions = {}): Promise<AuditReport> {
  // The audit engine and its config schema (zod) load when an audit runs, not for --help.
  const { auditSettings } = await import('../config/audit.js');
  const { withTarget } = await import('../context.js');
  const { auditDatabase } = await import('../audit/database.js');
  const { config: overrides, expectationsFile, junit, allowProduction, ...rest } = options;
  const config = auditSettings({ ...ctx.config.audit, ...overrides } as AuditConfig);
  return withTarget(ctx, async (target) => {
    if (target.production && !allowProduction) {
      throw new UsageError(`Refusing to audit ${target.display}: it is labelled production.`, {
        hint: 'The audit writes fixture rows inside a transaction it rolls back, and uses subtransactions; run it on a staging copy, or pass --allow-production.',
      });
    }
    return auditDatabase(target.url, {
      ...rest,
      config,
      expectationsFile: path.resolve(ctx.cwd, expectationsFile ?? config.expectations),
      ...(junit ? { junit: path.resolve(ctx.cwd, junit) } : {}),
      target: target.display,
    });
  });
}

export function auditJson(r: AuditReport) {
  return {
    ok: r.ok,
    exitCode: r.exitCode,
    target: r.target,
    areas: r.areas,
    durationMs: Math.round(r.durationMs),
    isolation: r.isolation,
    lints: r.lints,
    latency: r.latency,
    findings: r.findings,
    suppressed: r.suppressed,
  };
}

export function registerAuditRls(program: Command): void {
  program
    .command('audit-rls')
    .description(
      "prove tenant isolation as real users, lint the security surface, and check the mobile queries' latency budgets",
    )
    .addOption(new Option('--only <area>', 'run one area').choices([...AREAS]))
    .option(
      '--write-expectations',
      'write the observed isolation matrix to the expectations file (review and commit it)',
    )
    .option('--expectations <file>', 'expectations file (default: audit.expectations, fixtures/audit/expectations.txt)')
    .option('--junit <file>', 'also write the findings as JUnit XML for CI')
    .option('--allow-production', 'audit a target labelled production')
    .option(
      '--artists <n>',
      'artists to impersonate (default: audit.artists, 3)',
      wholeNumberFlag('--artists', { min: 1, max: 8 }),
    )
    .option(
      '--iterations <n>',
      'runs of each latency query per artist (default: audit.latency.iterations, 30)',
      wholeNumberFlag('--iterations', { min: 1, max: 10_000 }),
    )
    .addHelpText(
      'after',
      `${TARGET_HELP}

Areas:
  isolation  artists A, B, C (+ anon, service_role) probe every table, view, partition and bucket of
             audit.schemas: SELECT, INSERT, UPDATE of each column, DELETE; functions are called with
             another artist's ids, nulls and garbage; unique constraints are tried as oracles.
             Everything runs in one transaction that is rolled back: the data is left as it was.
  lints      catalog lints (splinter's security and performance lints, partitions included) and
             auth.uid() evaluated per row, read from the query plan.
  latency    the mobile app's queries as several artists, p50/p95/p99 against audit.latency.budgets
             (default p95 200 ms); a breach prints EXPLAIN (ANALYZE, BUFFERS) and the likely cause.

Findings can be suppressed per object in the config: "audit": { "suppress": [{ "id", "object", "reason" }] }.
${EXIT_CODES.replace('3    a check found problems', '3    findings (anything but info)').replace('2    usage, config or connection problem', '2    could not run (usage, config, connection, fixtures)')}`,
    )
    .action(
      action(
        async (
          ctx,
          opts: {
            only?: Area;
            writeExpectations?: boolean;
            expectations?: string;
            junit?: string;
            allowProduction?: boolean;
            artists?: number;
            iterations?: number;
          },
        ) => {
          if (opts.writeExpectations && opts.only && opts.only !== 'isolation') {
            throw new UsageError(
              '--write-expectations writes the isolation matrix; it cannot be combined with --only lints or latency.',
              { hint: 'Drop --only.' },
            );
          }
          const { auditSettings } = await import('../config/audit.js');
          const { renderReport } = await import('../audit/report.js');
          const overrides: Partial<AuditConfig> = {};
          if (opts.artists) overrides.artists = opts.artists;
          if (opts.iterations)
            overrides.latency = { ...auditSettings(ctx.config.audit).latency, iterations: opts.iterations };
          const report = await ctx.out.task('audit-rls', (progress) =>
            auditRls(ctx, {
              ...(opts.only ? { only: opts.only } : {}),
              writeExpectations: Boolean(opts.writeExpectations),
              ...(opts.expectations ? { expectationsFile: opts.expectations } : {}),
              ...(opts.junit ? { junit: opts.junit } : {}),
              allowProduction: Boolean(opts.allowProduction),
              config: overrides,
              onProgress: (text) => progress.update(text),
            }),
          );
          ctx.out.result(auditJson(report), () => renderReport(report));
          return report.exitCode;
        },
      ),
    );
}
