/** `partitions check`: the monitoring verdict, one line and exit 3 when anything is wrong. */
import { DreamdbError, ExitCode, UsageError } from '../errors.js';
import type { Sql } from '../db/connect.js';
import { PARTITION_DEFAULTS, checkReason } from '../plan/partitions.js';
import { catalogLockError } from './catalog.js';
import { listPartitions, type ListOptions, type PartitionList } from './list.js';

export interface CheckResult {
  ok: boolean;
  exitCode: typeof ExitCode.ok | typeof ExitCode.checkFailed;
  /** One line for a scheduler's log. */
  reason: string;
  problems: string[];
  warnings: string[];
  today: string | null;
  horizon: string | null;
  horizonYears: number | null;
}

/** Never throws for what it finds (missing table or functions included): exit code 3 and a reason. */
export async function checkPartitions(sql: Sql, options: ListOptions = {}): Promise<CheckResult> {
  let list: PartitionList;
  try {
    list = await listPartitions(sql, options);
  } catch (caught) {
    const error = catalogLockError(caught, options.parent ?? PARTITION_DEFAULTS.parent) ?? caught;
    if (!(error instanceof DreamdbError) || error instanceof UsageError) throw error;
    return {
      ok: false,
      exitCode: ExitCode.checkFailed,
      reason: error.message,
      problems: [error.message],
      warnings: [],
      today: null,
      horizon: null,
      horizonYears: null,
    };
  }
  const ok = list.problems.length === 0;
  return {
    ok,
    exitCode: ok ? ExitCode.ok : ExitCode.checkFailed,
    reason: checkReason(list),
    problems: list.problems,
    warnings: list.warnings,
    today: list.today,
    horizon: list.horizon,
    horizonYears: list.horizonYears,
  };
}
