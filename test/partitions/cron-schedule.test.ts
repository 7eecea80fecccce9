import { describe, expect, it } from 'vitest';
import { cronProblem, pgCronError } from '../../src/partitions/cron.js';
import { UsageError } from '../../src/errors.js';

describe('cron schedules', () => {
  it('accepts what pg_cron accepts', () => {
    for (const s of [
      '17 3 * * *',
      '*/5 * * * *',
      '0 0 1 jan,jul *',
      '0 9-17/2 * * mon-fri',
      '30 seconds',
      '@daily',
      '0 0 * * 7',
    ])
      expect(cronProblem(s), s).toBeUndefined();
  });

  it('names what is wrong in one phrase', () => {
    expect(cronProblem('61 * * * *')).toBe('minute 61 is out of range 0-59');
    expect(cronProblem('0 24 * * *')).toBe('hour 24 is out of range 0-23');
    expect(cronProblem('0 0 0 * *')).toBe('day of month 0 is out of range 1-31');
    expect(cronProblem('every day')).toBe('expected 5 fields (minute hour day month weekday), got 2');
    expect(cronProblem('*/0 * * * *')).toBe('minute "*/0" is not valid');
    expect(cronProblem('90 seconds')).toBe('an interval must be 1 to 59 seconds');
  });

  it("turns pg_cron's own refusal into a one-line usage error", () => {
    const e = pgCronError(new Error('invalid schedule: 61 * * * *'), '61 * * * *');
    expect(e).toBeInstanceOf(UsageError);
    expect(e!.message).toBe("--cron '61 * * * *': pg_cron says: invalid schedule: 61 * * * *.");
    expect(pgCronError(new Error('something else'), 'x')).toBeUndefined();
  });
});
