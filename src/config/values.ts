/**
 * Values a user writes, in the config file or on the command line, read one way everywhere:
 * durations, whole numbers, byte sizes, and zod's problems as `path.to.key: message` lines.
 * The readings themselves are in src/config/units.ts (no zod); here are the config schemas.
 */
import { z } from 'zod';
import {
  ALL_UNITS,
  durationExamples,
  formatIssuePath,
  parseByteSize,
  parseDuration,
  type DurationOptions,
} from './units.js';

export {
  durationExamples,
  formatDuration,
  formatIssuePath,
  parseByteSize,
  parseDuration,
  parseWholeNumber,
  wholeNumberProblem,
  type DurationOptions,
  type DurationUnit,
  type Range,
} from './units.js';

/** A config duration: a number of milliseconds, or a string like "500ms", "2s", "1m". */
export function durationSchema(options: Omit<DurationOptions, 'defaultUnit'> = {}) {
  const units = options.units ?? ALL_UNITS;
  const number = options.fractional ? z.number().nonnegative() : z.number().int().nonnegative();
  return z
    .union([
      number,
      z
        .string()
        .refine((s) => parseDuration(s, options) !== undefined, `expected a duration like ${durationExamples(units)}`),
    ])
    .transform((value) => (typeof value === 'number' ? value : parseDuration(value, options)!));
}

/** A config size: a number of bytes, or a string like "64MB". */
export function byteSizeSchema() {
  return z
    .union([
      z.number().int().nonnegative(),
      z.string().refine((s) => parseByteSize(s) !== undefined, 'expected a size like "64MB" or "1GB"'),
    ])
    .transform((value) => (typeof value === 'number' ? value : parseByteSize(value)!));
}

// Zod problems ---------------------------------------------------------------------------------

/** Every problem zod found, one `path.to.key: message` line each (unknown keys one line per key). */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], options: { prefix?: string } = {}): string[] {
  const lead = options.prefix ? `${options.prefix}: ` : '';
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(`${lead}${formatIssuePath([...issue.path, key])}: unknown key`);
    } else {
      out.push(`${lead}${formatIssuePath(issue.path)}: ${issue.message}`);
    }
  }
  return out;
}
