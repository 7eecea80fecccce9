/** The one reading of durations, whole numbers, sizes and zod problems (src/config/values.ts, src/ui/flags.ts). */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  byteSizeSchema,
  durationSchema,
  formatIssuePath,
  formatZodIssues,
  parseByteSize,
  parseDuration,
  parseWholeNumber,
  wholeNumberProblem,
} from '../../src/config/values.js';
import { durationFlag, wholeNumberFlag } from '../../src/ui/flags.js';
import { UsageError } from '../../src/errors.js';

describe('parseDuration', () => {
  it('reads every unit as milliseconds', () => {
    expect(['500ms', '2s', '1.5m', '1h', ' 2 s '].map((t) => parseDuration(t))).toEqual([
      500, 2_000, 90_000, 3_600_000, 2_000,
    ]);
  });
  it('reads a bare number only with a default unit', () => {
    expect(parseDuration('30')).toBeUndefined();
    expect(parseDuration('30', { defaultUnit: 's' })).toBe(30_000);
    expect(parseDuration('250', { defaultUnit: 'ms' })).toBe(250);
  });
  it('refuses what is not a duration, and units not allowed', () => {
    for (const bad of ['', 's', '-1s', '1d', '1 minute', '1e3ms', '2s3'])
      expect(parseDuration(bad), bad).toBeUndefined();
    expect(parseDuration('1m', { units: ['ms', 's'] })).toBeUndefined();
  });
  it('rounds to whole milliseconds unless fractions are asked for', () => {
    expect(parseDuration('0.3ms')).toBe(0);
    expect(parseDuration('0.3ms', { fractional: true })).toBe(0.3);
  });
});

describe('durationSchema', () => {
  it('takes milliseconds or a duration string, and names the examples on a bad one', () => {
    const schema = durationSchema();
    expect(schema.parse(1500)).toBe(1500);
    expect(schema.parse('2s')).toBe(2000);
    const bad = schema.safeParse('soon');
    expect(bad.success).toBe(false);
    expect(formatZodIssues(bad.error!.issues)).toEqual(['(root): expected a duration like "500ms", "2s" or "1m"']);
    expect(schema.safeParse(1.5).success).toBe(false);
  });
  it('keeps fractions and limits units for budgets', () => {
    const budget = durationSchema({ units: ['ms', 's'], fractional: true });
    expect(budget.parse(0.5)).toBe(0.5);
    expect(budget.parse('0.2s')).toBe(200);
    const bad = budget.safeParse('1m');
    expect(bad.error!.issues[0]!.message).toBe('expected a duration like "500ms" or "2s"');
  });
});

describe('whole numbers', () => {
  it('says what is wrong, in one wording', () => {
    expect(wholeNumberProblem('3', { min: 1, max: 16 })).toBeUndefined();
    expect(wholeNumberProblem('17', { min: 1, max: 16 })).toBe('must be a whole number from 1 to 16');
    expect(wholeNumberProblem('0', { min: 1 })).toBe('must be a whole number of at least 1');
    expect(wholeNumberProblem(1.5)).toBe('must be a whole number');
    expect(wholeNumberProblem('-2')).toBeUndefined();
    for (const bad of ['', '1.0', '1e3', '0x10', 'many', '99999999999999999999'])
      expect(wholeNumberProblem(bad), bad).toBe('must be a whole number');
    expect(wholeNumberProblem(0, { min: 1, max: 1_000_000 })).toBe('must be a whole number from 1 to 1,000,000');
  });
  it('throws a UsageError (exit 2) naming the flag and the value', () => {
    expect(parseWholeNumber('12', { name: '--days', min: 1 })).toBe(12);
    expect(() => parseWholeNumber('x', { name: '--days', min: 1, max: 3660 })).toThrow(UsageError);
    expect(() => parseWholeNumber(0, { name: '--days', min: 1, max: 3660 })).toThrow(
      '--days must be a whole number from 1 to 3660 (got 0).',
    );
    expect(() => parseWholeNumber('x', { name: '--days' })).toThrow('--days must be a whole number (got "x").');
  });
});

describe('byte sizes', () => {
  it('reads powers of 1024 as Postgres does', () => {
    expect(['512kB', '64MB', '1GB', '1.5KB', '10B'].map(parseByteSize)).toEqual([
      524_288, 67_108_864, 1_073_741_824, 1536, 10,
    ]);
    expect(parseByteSize('64mb')).toBeUndefined();
    expect(byteSizeSchema().parse('2MB')).toBe(2 * 1024 ** 2);
    expect(byteSizeSchema().safeParse('lots').success).toBe(false);
  });
});

describe('formatZodIssues', () => {
  const schema = z.strictObject({ buckets: z.array(z.strictObject({ id: z.string(), public: z.boolean() })) });
  it('names every problem by its path, unknown keys one line each', () => {
    const parsed = schema.safeParse({
      buckets: [
        { id: 'a', public: true },
        { id: 3, public: true, size: 1, color: 'red' },
      ],
      extra: 1,
    });
    expect(formatZodIssues(parsed.error!.issues).sort()).toEqual([
      'buckets[1].color: unknown key',
      'buckets[1].id: Invalid input: expected string, received number',
      'buckets[1].size: unknown key',
      'extra: unknown key',
    ]);
  });
  it('puts a prefix first (the file the problems are in)', () => {
    const parsed = schema.safeParse([]);
    expect(formatZodIssues(parsed.error!.issues, { prefix: 'sql/storage/buckets.json' })).toEqual([
      'sql/storage/buckets.json: (root): Invalid input: expected object, received array',
    ]);
  });
  it('formats paths as a reader writes them', () => {
    expect(formatIssuePath(['tasks', 2, 'impact'])).toBe('tasks[2].impact');
    expect(formatIssuePath([0, 'a'])).toBe('[0].a');
    expect(formatIssuePath([])).toBe('(root)');
  });
});

describe('flag parsers', () => {
  function parse(args: string[]): { opts: Record<string, unknown>; error?: CommanderError; stderr: string } {
    let stderr = '';
    const program = new Command('t')
      .exitOverride()
      .configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} })
      .option('--jobs <n>', 'jobs', wholeNumberFlag('--jobs', { min: 1, max: 16 }))
      .option('--wait <duration>', 'wait', durationFlag('--wait'));
    try {
      program.parse(args, { from: 'user' });
      return { opts: program.opts(), stderr };
    } catch (error) {
      return { opts: {}, error: error as CommanderError, stderr };
    }
  }
  it('turns good values into numbers', () => {
    expect(parse(['--jobs', '4', '--wait', '30']).opts).toEqual({ jobs: 4, wait: 30_000 });
    expect(parse(['--wait', '500ms']).opts).toEqual({ wait: 500 });
  });
  it('refuses bad ones through commander, with the rule in the message', () => {
    const jobs = parse(['--jobs', '17']);
    expect(jobs.error?.code).toBe('commander.invalidArgument');
    expect(jobs.stderr).toContain(
      "option '--jobs <n>' argument '17' is invalid. --jobs must be a whole number from 1 to 16.",
    );
    const wait = parse(['--wait', 'soon']);
    expect(wait.error?.code).toBe('commander.invalidArgument');
    expect(wait.stderr).toContain('--wait must be a duration like "500ms", "2s" or "1m".');
  });
});
