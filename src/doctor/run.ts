/** Runs the doctor's checks on one connection and sums them up; prints Prometheus text exposition. */
import type { DoctorConfig } from '../config/doctor.js';
import type { Sql } from '../db/connect.js';
import { SqlState, sqlStateOf } from '../db/pg-errors.js';
import type { MigrateSettings } from '../migrate/engine.js';
import { CHECKS, type CheckResult } from './checks.js';

export interface DoctorReport {
  target: string;
  database: string;
  serverVersion: string;
  checks: (Omit<CheckResult, 'status'> & { status: CheckResult['status'] | 'error' })[];
  alerts: number;
  errors: number;
  durationMs: number;
  /** True when nothing is over its threshold and every check ran: exit 0, else 3. */
  healthy: boolean;
}

export async function runDoctor(
  sql: Sql,
  options: { config: DoctorConfig; migrations: MigrateSettings; cwd: string; target?: string },
): Promise<DoctorReport> {
  const started = performance.now();
  const [info] = await sql<
    { database: string; version: string }[]
  >`select current_database() as database, current_setting('server_version') as version`;
  const checks: DoctorReport['checks'] = [];
  for (const check of CHECKS) {
    if (options.config.disable.includes(check.id)) continue;
    try {
      const result = await check.run({ sql, config: options.config, migrations: options.migrations, cwd: options.cwd });
      checks.push({ id: check.id, title: check.title, ...result });
    } catch (error) {
      const e = { message: (error as Error)?.message, code: sqlStateOf(error) };
      checks.push({
        id: check.id,
        title: check.title,
        status: 'error',
        verdict: `could not run: ${e.message ?? String(error)}${e.code ? ` (SQLSTATE ${e.code})` : ''}`,
        hint:
          e.code === SqlState.insufficientPrivilege
            ? 'Run doctor as a role that can read the statistics views (postgres, or a member of pg_monitor).'
            : 'Run with --debug and report it.',
        value: null,
        threshold: null,
        unit: 'count',
        details: [],
      });
    }
  }
  const alerts = checks.filter((c) => c.status === 'alert').length;
  const errors = checks.filter((c) => c.status === 'error').length;
  return {
    target: options.target ?? info!.database,
    database: info!.database,
    serverVersion: info!.version,
    checks,
    alerts,
    errors,
    durationMs: Math.round(performance.now() - started),
    healthy: alerts === 0 && errors === 0,
  };
}

/** Prometheus text exposition (version 0.0.4): one gauge family per figure, a series per check. */
export function prometheusText(report: DoctorReport): string {
  const db = escapeLabel(report.database);
  const lines: string[] = [];
  const family = (name: string, help: string, samples: string[]) => {
    if (!samples.length) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples);
  };
  const label = (c: DoctorReport['checks'][number], extra = '') => `{database="${db}",check="${c.id}"${extra}}`;
  family('dreamdb_doctor_up', '1 when doctor could connect and run.', [`dreamdb_doctor_up{database="${db}"} 1`]);
  family(
    'dreamdb_doctor_check_alert',
    '1 when the check is over its threshold (or could not run), 0 when ok. Skipped checks are absent.',
    report.checks
      .filter((c) => c.status !== 'skipped')
      .map((c) => `dreamdb_doctor_check_alert${label(c)} ${c.status === 'ok' ? 0 : 1}`),
  );
  family(
    'dreamdb_doctor_check_value',
    'The figure the check compares with its threshold, in the unit label.',
    report.checks
      .filter((c) => c.value !== null)
      .map((c) => `dreamdb_doctor_check_value${label(c, `,unit="${c.unit}"`)} ${num(c.value!)}`),
  );
  family(
    'dreamdb_doctor_check_threshold',
    'The threshold of the check, in the unit label.',
    report.checks
      .filter((c) => c.threshold !== null)
      .map((c) => `dreamdb_doctor_check_threshold${label(c, `,unit="${c.unit}"`)} ${num(c.threshold!)}`),
  );
  family('dreamdb_doctor_alerts', 'Checks over their threshold.', [
    `dreamdb_doctor_alerts{database="${db}"} ${report.alerts}`,
  ]);
  family('dreamdb_doctor_duration_seconds', 'How long the checks took.', [
    `dreamdb_doctor_duration_seconds{database="${db}"} ${(report.durationMs / 1000).toFixed(3)}`,
  ]);
  return `${lines.join('\n')}\n`;
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : '-Inf';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
