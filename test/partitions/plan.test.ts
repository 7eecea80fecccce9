import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { lockRetryDelayMs as backoffMs } from '../../src/db/retry.js';
import {
  analyzePartitions,
  checkReason,
  parseNow,
  resolveNow,
  rotationSteps,
  validateRotateOptions,
  yearWindow,
  type DbPlanRow,
  type PartitionInfo,
} from '../../src/plan/partitions.js';
import { thrown } from '../helpers/errors.js';

function part(name: string, from: string, to: string, extra: Partial<PartitionInfo> = {}): PartitionInfo {
  return {
    schema: 'public',
    name,
    state: 'attached',
    year:
      from.endsWith('-01-01') && to.endsWith('-01-01') && Number(to.slice(0, 4)) === Number(from.slice(0, 4)) + 1
        ? Number(from.slice(0, 4))
        : null,
    from,
    to,
    rlsEnabled: true,
    rlsForced: true,
    apiPrivileges: [],
    missingIndexes: [],
    owner: 'postgres',
    rowsEstimate: 0,
    sizeBytes: 8192,
    ...extra,
  };
}

const years = (...ys: number[]) => ys.map((y) => part(`metrics_y${y}`, `${y}-01-01`, `${y + 1}-01-01`));

describe('the clock', () => {
  it('takes --now, then DREAMDB_NOW, else leaves it to the server', () => {
    expect(resolveNow('2030-12-31', { DREAMDB_NOW: '2040-01-01' })).toBe('2030-12-31');
    expect(resolveNow(undefined, { DREAMDB_NOW: '2040-01-01' })).toBe('2040-01-01');
    expect(resolveNow(new Date('2031-01-01T23:30:00Z'), {})).toBe('2031-01-01');
    expect(resolveNow(undefined, {})).toBeUndefined();
    expect(parseNow('2031-06-01T10:00:00Z')).toBe('2031-06-01');
  });

  it('refuses what is not a date', () => {
    expect(() => parseNow('2030-02-30')).toThrow(UsageError);
    expect(thrown(() => resolveNow(undefined, { DREAMDB_NOW: 'tomorrow' }), UsageError, 2).message).toMatch(
      /DREAMDB_NOW: not a date/,
    );
  });
});

describe('options', () => {
  it('reports every problem at once', () => {
    try {
      validateRotateOptions({ ahead: -1, retain: 1.5, drop: true, archiveDir: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).details).toEqual([
        '--ahead: must be a whole number from 0 to 100 (got -1)',
        '--retain: must be a whole number from 0 to 1000 (got 1.5)',
        '--archive: needs a directory',
      ]);
    }
    expect(() => validateRotateOptions({ drop: true })).toThrow('--drop: only with --retain');
  });

  it('fills the defaults', () => {
    expect(validateRotateOptions({})).toEqual({
      ahead: 2,
      drop: false,
      lockTimeoutMs: 200,
      maxAttempts: 12,
      lockWaitMs: 30_000,
    });
  });

  it('keeps the window from the first year (never before retention) to now + ahead', () => {
    expect(yearWindow(2030, { ahead: 2 })).toEqual({ first: 2029, last: 2032 });
    expect(yearWindow(2030, { ahead: 0, firstYear: 2020 })).toEqual({ first: 2020, last: 2030 });
    expect(yearWindow(2030, { ahead: 1, firstYear: 2020, retain: 3 })).toEqual({ first: 2027, last: 2031 });
    expect(yearWindow(2030, { ahead: 1, firstYear: 2035 })).toEqual({ first: 2030, last: 2031 });
  });
});

describe('rotationSteps', () => {
  const row = (action: DbPlanRow['action'], year: number): DbPlanRow => ({
    step: 0,
    action,
    year,
    table: `metrics_y${year}`,
    from: `${year}-01-01`,
    to: `${year + 1}-01-01`,
    reason: `${action} ${year}`,
  });

  it('archives after detaching and drops last', () => {
    const { steps } = rotationSteps([row('create', 2031), row('detach', 2025)], {
      schema: 'public',
      archiveDir: '/arch',
      drop: true,
      archived: new Set(),
    });
    expect(steps.map((s) => `${s.action} ${s.table}`)).toEqual([
      'create metrics_y2031',
      'detach metrics_y2025',
      'archive metrics_y2025',
      'drop metrics_y2025',
    ]);
    expect(steps[2]!.file).toBe('/arch/public.metrics_y2025.csv');
  });

  it('finishes a retired table left by an interrupted run, without redoing a finished archive', () => {
    const plan = [row('retired', 2024), row('retired', 2025)];
    const opts = { schema: 'public', archiveDir: '/arch', archived: new Set(['metrics_y2024']) };
    expect(rotationSteps(plan, { ...opts, drop: true }).steps.map((s) => `${s.action} ${s.table}`)).toEqual([
      'drop metrics_y2024',
      'archive metrics_y2025',
      'drop metrics_y2025',
    ]);
    expect(rotationSteps(plan, { schema: 'public', archived: new Set() }).steps).toEqual([]);
  });

  it('sets conflicts apart', () => {
    const { steps, conflicts } = rotationSteps([row('conflict', 2030), row('create', 2031)], {
      schema: 'public',
      archived: new Set(),
    });
    expect(conflicts).toHaveLength(1);
    expect(steps).toHaveLength(1);
  });
});

describe('analyzePartitions', () => {
  it('finds the horizon, counted in whole years after the current one', () => {
    const a = analyzePartitions(years(2029, 2030, 2031, 2032), { today: '2030-06-01', ahead: 2 });
    expect(a).toMatchObject({
      horizon: '2033-01-01',
      horizonYears: 2,
      gaps: [],
      overlaps: [],
      missingYears: [],
      problems: [],
    });
    expect(checkReason(a)).toBe('ok: partitions reach 2033-01-01 (2 year(s) ahead)');
  });

  it('fails when the horizon is short, today is not covered, or history is missing', () => {
    expect(analyzePartitions(years(2029, 2030, 2031), { today: '2030-06-01', ahead: 2 }).problems).toEqual([
      'partitions end at 2032-01-01: fewer than 2 year(s) ahead of 2030',
    ]);
    const none = analyzePartitions(years(2025, 2026), { today: '2030-06-01', ahead: 1 });
    expect(none.horizon).toBeNull();
    expect(none.problems[0]).toBe('no partition covers today (2030-06-01): inserts for today fail');
    expect(none.problems[1]).toBe('no partition for past year(s) 2029: backfilled metrics fail');
    expect(checkReason(none)).toBe('no partition covers today (2030-06-01): inserts for today fail (+1 more)');
  });

  it('reports gaps in the window as problems and older ones as warnings', () => {
    const a = analyzePartitions(years(2020, 2022, 2029, 2030, 2031), { today: '2030-06-01', ahead: 1 });
    expect(a.gaps).toEqual([
      { from: '2021-01-01', to: '2022-01-01' },
      { from: '2023-01-01', to: '2029-01-01' },
    ]);
    expect(a.problems).toEqual([]);
    expect(a.warnings).toHaveLength(2);
    const b = analyzePartitions(years(2028, 2030, 2031), { today: '2030-06-01', ahead: 1, firstYear: 2028 });
    expect(b.problems).toEqual([
      'no partition for past year(s) 2029: backfilled metrics fail',
      'gap between partitions: [2029-01-01, 2030-01-01)',
    ]);
  });

  it('counts monthly or odd-shaped partitions by the days they cover', () => {
    const parts = [
      part('m1', '2030-01-01', '2030-07-01'),
      part('m2', '2030-07-01', '2031-01-01'),
      ...years(2029, 2031),
    ];
    const a = analyzePartitions(parts, { today: '2030-12-31', ahead: 1 });
    expect(a).toMatchObject({ horizon: '2032-01-01', missingYears: [], problems: [] });
    const open = analyzePartitions([part('all', '-infinity', 'infinity')], { today: '2030-01-01', ahead: 5 });
    expect(open).toMatchObject({ horizon: 'infinity', horizonYears: null, problems: [] });
  });

  it('flags weaker protection, leftovers, a pending detach, default rows and realtime', () => {
    const parts = [
      ...years(2029, 2030),
      part('metrics_y2031', '2031-01-01', '2032-01-01', {
        rlsForced: false,
        apiPrivileges: ['anon:SELECT'],
        missingIndexes: ['metrics_growth_idx'],
      }),
      part('metrics_y2032', '2032-01-01', '2033-01-01', { state: 'standalone', missingIndexes: null }),
      part('metrics_y2020', '2020-01-01', '2021-01-01', { state: 'detach_pending' }),
      part('metrics_default', '', '', { state: 'default', from: null, to: null, year: null }),
    ];
    const a = analyzePartitions(parts, {
      today: '2030-06-01',
      ahead: 1,
      defaultRows: 3,
      realtime: { published: true, viaRoot: false },
    });
    expect(a.problems).toEqual([
      'metrics_y2031: row level security is not forced',
      'metrics_y2031: API roles hold privileges (anon: SELECT)',
      "metrics_y2031: missing the parent's index(es) metrics_growth_idx",
      'metrics_y2032 exists but is not attached (interrupted rotation); run dreamdb partitions rotate',
      'metrics_y2020: a concurrent detach was interrupted; run dreamdb partitions rotate to finalize it',
      'default partition metrics_default holds 3 row(s) outside the yearly partitions; run dreamdb partitions rotate',
      'supabase_realtime publishes metrics without publish_via_partition_root: changes appear under partition names',
    ]);
    expect(a.warnings[0]).toMatch(/default partition metrics_default exists/);
  });
});

describe('backoffMs', () => {
  it('doubles from 100 ms with jitter and stops at 5 s', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffMs(1, () => 0)).toBe(50);
    expect(backoffMs(20, () => 1)).toBe(5000);
  });
});
