/**
 * `dreamdb doctor`: health checks with documented thresholds (doctor.* in the config), a one-line
 * verdict and a fix for each; JSON or Prometheus text for an alerting stack; exit 3 when any check
 * is over its threshold.
 */
import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import type { DoctorReport } from '../doctor/run.js';
import { style } from '../ui/output.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export type { DoctorReport } from '../doctor/run.js';

export async function doctor(ctx: Context): Promise<DoctorReport> {
  // The checks, their config schema (zod) and the driver load when doctor runs, not for --help.
  const { doctorSettings } = await import('../config/doctor.js');
  const { migrateSettings, withTarget } = await import('../context.js');
  const { withDb } = await import('../db/connect.js');
  const { runDoctor } = await import('../doctor/run.js');
  const config = doctorSettings(ctx.config.doctor);
  return withTarget(ctx, (target) =>
    withDb(
      target.url,
      (sql) => runDoctor(sql, { config, migrations: migrateSettings(ctx), cwd: ctx.cwd, target: target.display }),
      {
        // Doctor reads the catalog and statistics views, which take no table locks; the timeouts are
        // a guard so that a check can never hang behind a lock or a stuck server.
        connection: { application_name: 'dreamdb doctor', statement_timeout: 30_000, lock_timeout: 5_000 },
      },
    ),
  );
}

const MARK = { ok: style.green('✔'), alert: style.red('✘'), skipped: style.dim('-'), error: style.red('!') } as const;

export function renderDoctor(report: DoctorReport): string[] {
  const lines = [`Doctor on ${report.target} (PostgreSQL ${report.serverVersion}):`];
  for (const c of report.checks) {
    lines.push(
      `  ${MARK[c.status]} ${c.title.padEnd(20)} ${c.status === 'ok' || c.status === 'skipped' ? c.verdict : style.bold(c.verdict)}`,
    );
    if (c.status !== 'ok') {
      for (const d of c.details.slice(0, 10)) lines.push(`      ${style.dim(d)}`);
      if (c.details.length > 10) lines.push(`      ${style.dim(`... and ${c.details.length - 10} more`)}`);
      if (c.hint) lines.push(`      ${style.cyan('fix:')} ${c.hint}`);
    }
  }
  lines.push(
    report.healthy
      ? style.green(`Healthy: ${report.checks.length} checks, nothing over its threshold.`)
      : style.red(
          `${report.alerts} check(s) over threshold${report.errors ? `, ${report.errors} could not run` : ''}.`,
        ),
  );
  return lines;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'health checks with thresholds: connections, cache, long/idle transactions, locks, replication slots, partition horizon, migrations, RLS, indexes, bloat, statistics, slow statements',
    )
    .addOption(
      new Option(
        '--format <format>',
        "text (default) or prometheus (text exposition for a scraper or node_exporter's textfile collector)",
      )
        .choices(['text', 'prometheus'])
        .default('text'),
    )
    .addHelpText(
      'after',
      `${TARGET_HELP}
Thresholds live under "doctor" in dreamdb.config.json (docs/operations.md lists each with its
default); "doctor.disable" turns checks off. Exit 3 when any check is over its threshold or could
not run, so a cron job or CI step can alert on it.
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, opts: { format: 'text' | 'prometheus' }) => {
        if (opts.format === 'prometheus' && ctx.flags.json)
          throw new UsageError('--json and --format prometheus are two different outputs: pick one.');
        const report = await doctor(ctx);
        const { prometheusText } = await import('../doctor/run.js');
        ctx.out.result(report, () =>
          opts.format === 'prometheus' ? prometheusText(report).trimEnd() : renderDoctor(report),
        );
        return report.healthy ? ExitCode.ok : ExitCode.checkFailed;
      }),
    );
}
