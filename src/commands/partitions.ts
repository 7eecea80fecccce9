/**
 * `dreamdb partitions list | rotate | check | schedule`: flags, one call into src/partitions/,
 * the rendered result. Exit codes: list and schedule 0; rotate 0 done or nothing to do, 1 a step
 * failed, a conflict, or another rotation held the lock too long; check 3 on any problem; 2 usage
 * or connection.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { durationFlag, wholeNumberFlag as int } from '../ui/flags.js';
import type { Context, Target } from '../context.js';
import type { Sql } from '../db/connect.js';
import { CancelledError, ExitCode } from '../errors.js';
import { style } from '../ui/output.js';
import { action, deprecatedOption, EXIT_CODES, TARGET_HELP } from './action.js';

// Each action imports the partitions area (the planner, the driver) when it runs, not for --help.

/** A duration; a bare number is the old spelling in milliseconds, still read so, with a note. */
const ddlLockTimeout = (value: string): number => {
  if (/^\d+$/.test(value.trim())) {
    process.stderr.write(
      `${style.yellow('deprecated:')} --lock-timeout ${value} (milliseconds) is deprecated: write --lock-timeout ${value.trim()}ms.\n`,
    );
    return Number(value);
  }
  return durationFlag('--lock-timeout', { defaultUnit: 'ms' })(value);
};

const date = (value: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('expected a date like 2027-01-01.');
  return value;
};

/** A single-connection client for the command (rotation holds a session advisory lock on it). */
async function withPartitionDb<T>(ctx: Context, fn: (sql: Sql, target: Target) => Promise<T>): Promise<T> {
  const { withTarget } = await import('../context.js');
  const { withPartitionsClient } = await import('../partitions/index.js');
  return withTarget(ctx, (target) => withPartitionsClient(target.url, (sql) => fn(sql, target)));
}

interface WindowFlags {
  now?: string;
  ahead?: number;
  firstYear?: number;
  retain?: number;
}

function windowOptions(ctx: Context, flags: WindowFlags, defaultAhead?: number) {
  const cfg = ctx.config.partitions;
  return {
    ...(flags.now ? { now: flags.now } : {}),
    ahead: flags.ahead ?? defaultAhead ?? cfg?.ahead,
    firstYear: flags.firstYear ?? cfg?.firstYear,
    retain: flags.retain ?? cfg?.retain,
  };
}

const common = (cmd: Command, aheadHelp: string) =>
  cmd
    .option('--ahead <years>', aheadHelp, int('--ahead'))
    .option('--first-year <year>', 'earliest year kept ready for backfills (default: last year)', int('--first-year'))
    .option('--retain <years>', 'retire partitions older than this many years', int('--retain'))
    .option(
      '--now <date>',
      "the date to plan from (tests, what-ifs); default: env DREAMDB_NOW, else the server's date",
      date,
    );

export function registerPartitions(program: Command): void {
  const partitions = program
    .command('partitions')
    .description('keep the yearly partitions of metrics ready ahead of the calendar, without blocking the app');

  common(
    partitions
      .command('list')
      .description('partitions of metrics with bounds, row estimates, size, the horizon, gaps and overlaps'),
    'years ahead the horizon should reach (default 1)',
  )
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, flags: WindowFlags) => {
        const { listPartitions, renderPartitionList } = await import('../partitions/index.js');
        const list = await withPartitionDb(ctx, (sql) => listPartitions(sql, windowOptions(ctx, flags)));
        ctx.out.result(list, () => renderPartitionList(list));
      }),
    );

  common(
    partitions
      .command('rotate')
      .description(
        'create missing partitions (current year + N ahead, back to the first year), retire old ones; a second run does nothing',
      ),
    'years ahead of the current one (default 2)',
  )
    .option('--archive <dir>', "write a retired partition's rows to a file in <dir> first (needs --retain)")
    .option('--drop', 'drop retired partitions after detaching (and archiving) them (needs --retain)')
    .option('--dry-run', 'print the plan and change nothing')
    .addOption(
      new Option(
        '--lock-timeout <duration>',
        'lock_timeout of each attach/detach attempt, e.g. 500ms (default: partitions.lockTimeout, 200ms)',
      ).argParser(ddlLockTimeout),
    )
    .addOption(new Option('--attempts <n>', 'attempts per step when a lock times out').argParser(int('--attempts')))
    .addOption(
      new Option(
        '--wait-timeout <duration>',
        'how long to wait for another rotation before giving up, e.g. 30s (default 30s)',
      ).argParser(durationFlag('--wait-timeout')),
    )
    .addOption(
      deprecatedOption('--wait <ms>', 'is deprecated: use --wait-timeout <duration> (e.g. 30s).', int('--wait')),
    )
    .addHelpText(
      'after',
      `
New partitions are created as standalone tables (indexes, RLS enabled and forced, no API-role
privileges), then attached with a short lock_timeout and retried with backoff: metrics is never
locked ACCESS EXCLUSIVE. Old ones are detached CONCURRENTLY. A rotation killed at any point is
finished by the next run; two at once serialise on an advisory lock.
${TARGET_HELP}\n${EXIT_CODES}`,
    )
    .action(
      action(
        async (
          ctx,
          flags: WindowFlags & {
            archive?: string;
            drop?: boolean;
            dryRun?: boolean;
            lockTimeout?: number;
            attempts?: number;
            waitTimeout?: number;
            wait?: number;
          },
        ) => {
          const { confirmProduction } = await import('../context.js');
          const { describeRotateEvent, renderRotation, rotatePartitions } = await import('../partitions/index.js');
          const cfg = ctx.config.partitions;
          const result = await withPartitionDb(ctx, async (sql, target) => {
            const base = {
              ...windowOptions(ctx, flags, flags.ahead),
              archiveDir:
                flags.archive ??
                (flags.retain !== undefined || cfg?.retain !== undefined ? cfg?.archiveDir : undefined),
              drop: flags.drop,
              lockTimeoutMs: flags.lockTimeout ?? cfg?.lockTimeout,
              maxAttempts: flags.attempts ?? cfg?.lockAttempts,
              lockWaitMs: flags.waitTimeout ?? flags.wait ?? cfg?.waitTimeout,
            };
            if (target.production && !ctx.flags.yes && !flags.dryRun) {
              const plan = await rotatePartitions(sql, { ...base, dryRun: true });
              if (plan.plan.length === 0) return plan;
              ctx.out.info(renderRotation(plan).join('\n'));
              if (!(await confirmProduction(ctx, target, 'Rotate partitions')))
                throw new CancelledError('Not confirmed; nothing was changed.');
            }
            return ctx.out.task(
              flags.dryRun ? 'Planning partition rotation' : 'Rotating metrics partitions',
              (progress) =>
                rotatePartitions(sql, {
                  ...base,
                  dryRun: flags.dryRun,
                  onProgress: (event) => progress.update(describeRotateEvent(event)),
                }),
            );
          });
          ctx.out.result(result, () => renderRotation(result));
        },
      ),
    );

  common(
    partitions
      .command('check')
      .description('exit 3 with a one-line reason when the horizon is short or anything is wrong (for monitoring)'),
    'years ahead that must have a partition (default 1)',
  )
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, flags: WindowFlags) => {
        const { checkPartitions, renderCheck } = await import('../partitions/index.js');
        const result = await withPartitionDb(ctx, (sql) => checkPartitions(sql, windowOptions(ctx, flags)));
        ctx.out.result(result, () => renderCheck(result));
        return result.exitCode === 3 ? ExitCode.checkFailed : ExitCode.ok;
      }),
    );

  common(
    partitions
      .command('schedule')
      .description(
        'install the rotation as a pg_cron job where the server has pg_cron; else print a crontab line and a CI snippet',
      ),
    'years ahead of the current one (default 2)',
  )
    .option('--archive <dir>', 'archive directory for retirement (cron/CI only: pg_cron cannot write files)')
    .option('--drop', 'drop retired partitions (cron/CI only)')
    .option('--cron <expr>', 'schedule, in cron syntax (default "17 3 * * *")')
    .option('--name <name>', 'pg_cron job name (default dreamdb-partitions)')
    .option('--print', 'only print what would be installed')
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(
        async (
          ctx,
          flags: WindowFlags & { archive?: string; drop?: boolean; cron?: string; name?: string; print?: boolean },
        ) => {
          const { renderSchedule, schedulePartitions } = await import('../partitions/index.js');
          const result = await withPartitionDb(ctx, (sql) =>
            schedulePartitions(sql, {
              ...windowOptions(ctx, flags),
              archiveDir: flags.archive,
              drop: flags.drop,
              cron: flags.cron,
              jobName: flags.name,
              print: flags.print,
            }),
          );
          ctx.out.result(result, () => renderSchedule(result));
        },
      ),
    );
}
