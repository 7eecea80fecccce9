/**
 * `partitions schedule`: the rotation as a pg_cron job where the server has pg_cron, and always
 * the crontab line and CI workflow that run the CLI (retention runs from the CLI only).
 */
import type { Sql } from '../db/connect.js';
import { quoteLiteral as sqlLiteral } from '../db/quote.js';
import { PARTITION_DEFAULTS, validateRotateOptions, type RotateSettings } from '../plan/partitions.js';
import { readParent } from './catalog.js';
import { assertCronSchedule, pgCronError, pgCronHint, pgCronState } from './cron.js';

export interface ScheduleOptions {
  ahead?: number;
  firstYear?: number;
  retain?: number;
  archiveDir?: string;
  drop?: boolean;
  /** Cron expression (5 fields) or pg_cron's '[1-59] seconds'. */
  cron?: string;
  jobName?: string;
  /** Only print the crontab line and CI snippet, even where pg_cron is installed. */
  print?: boolean;
  parent?: string;
}

export interface ScheduleResult {
  mode: 'pg_cron' | 'external';
  job: { id: number; name: string; schedule: string; command: string } | null;
  /** The SQL of the in-database job, to install by hand where pg_cron lives elsewhere. */
  pgCronSql: string;
  crontab: string;
  ci: string;
  notes: string[];
}

/** The CLI's rotate command line for these settings. */
function rotateCommandLine(settings: RotateSettings): string {
  const flags = [`--ahead ${settings.ahead}`];
  if (settings.firstYear !== undefined) flags.push(`--first-year ${settings.firstYear}`);
  if (settings.retain !== undefined) flags.push(`--retain ${settings.retain}`);
  if (settings.archiveDir !== undefined) flags.push(`--archive ${settings.archiveDir}`);
  if (settings.drop) flags.push('--drop');
  return `npx dreamdb partitions rotate ${flags.join(' ')}`;
}

/** A GitHub Actions workflow that rotates, then checks, on the schedule. */
function ciWorkflow(cron: string, rotate: string, ahead: number): string {
  return [
    '# .github/workflows/metrics-partitions.yml',
    'name: metrics partitions',
    'on:',
    '  schedule:',
    `    - cron: '${cron}'`,
    '  workflow_dispatch: {}',
    'jobs:',
    '  rotate:',
    '    runs-on: ubuntu-latest',
    '    env:',
    '      DATABASE_URL: ${{ secrets.DATABASE_URL }}',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with: { node-version: 20 }',
    '      - run: npm ci',
    `      - run: ${rotate}`,
    `      - run: npx dreamdb partitions check --ahead ${Math.max(0, ahead - 1)}`,
  ].join('\n');
}

export async function schedulePartitions(sql: Sql, options: ScheduleOptions = {}): Promise<ScheduleResult> {
  const settings = validateRotateOptions(options);
  const cron = (options.cron ?? PARTITION_DEFAULTS.cron).trim();
  assertCronSchedule(cron);
  const name = options.jobName ?? PARTITION_DEFAULTS.jobName;
  const parent = options.parent ?? PARTITION_DEFAULTS.parent;

  const args = [`p_ahead => ${settings.ahead}`];
  if (settings.firstYear !== undefined) args.push(`p_first_year => ${settings.firstYear}`);
  if (parent !== PARTITION_DEFAULTS.parent) args.push(`p_parent => ${sqlLiteral(parent)}`);
  const command = `CALL dreamdb.rotate_metrics_partitions(${args.join(', ')})`;
  const pgCronSql = `SELECT cron.schedule(${sqlLiteral(name)}, ${sqlLiteral(cron)}, ${sqlLiteral(command)});`;

  const rotate = rotateCommandLine(settings);
  // crontab and GitHub Actions know no seconds: a pg_cron interval falls back to the daily default.
  const externalCron = cron.endsWith('seconds') ? PARTITION_DEFAULTS.cron : cron;
  const crontab = `${externalCron} cd /path/to/app && DATABASE_URL='postgresql://...' ${rotate} >> /var/log/dreamdb-partitions.log 2>&1`;
  const ci = ciWorkflow(externalCron, rotate, settings.ahead);

  const notes: string[] = [];
  const cronState = await pgCronState(sql);
  let job: ScheduleResult['job'] = null;
  if (cronState === 'installed' && !options.print) {
    await readParent(sql, parent);
    // cron.schedule with a job name updates that job in place: running this twice is harmless.
    const [row] = await sql<{ id: string }[]>`select cron.schedule(${name}, ${cron}, ${command})::text as id`.catch(
      (error: unknown) => {
        throw pgCronError(error, cron) ?? error;
      },
    );
    job = { id: Number(row!.id), name, schedule: cron, command };
    notes.push(`pg_cron job ${name} runs ${command} at '${cron}'.`);
  } else if (cronState !== 'installed') {
    notes.push(pgCronHint(cronState));
  }
  if (settings.retain !== undefined) {
    notes.push(
      'Retention runs from the CLI only: DETACH ... CONCURRENTLY cannot run inside a database function, and archives are files. Schedule the crontab line or CI snippet for it.',
    );
  }
  return { mode: job ? 'pg_cron' : 'external', job, pgCronSql, crontab, ci, notes };
}
