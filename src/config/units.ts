/**
 * Values a user writes, in the config file or on the command line, read one way everywhere:
 * durations, whole numbers, byte sizes, and where a problem is (`path.to.key`). Without zod, so
 * that the flag parsers of src/ui/flags.ts (registered by every command at start-up) do not load
 * it; src/config/values.ts adds the zod schemas built from these and re-exports them.
 */
import { UsageError } from '../errors.js';

// Durations ------------------------------------------------------------------------------------

export type DurationUnit = 'ms' | 's' | 'm' | 'h';
const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const UNIT_EXAMPLE: Record<DurationUnit, string> = { ms: '500ms', s: '2s', m: '1m', h: '1h' };
export const ALL_UNITS: readonly DurationUnit[] = ['ms', 's', 'm', 'h'];

export interface DurationOptions {
  /** The unit of a bare number ("30"); without it a bare number is not a duration. */
  defaultUnit?: DurationUnit;
  /** The units accepted (default: ms, s, m, h). */
  units?: readonly DurationUnit[];
  /** Keep fractions of a millisecond (latency budgets); default: round to whole milliseconds. */
  fractional?: boolean;
}

/** A duration for people: `300 ms`, `2.5 s`, `3 min 20 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** "500ms", "2s", "1.5m", "1h" (and "30" with a defaultUnit) as milliseconds; undefined if it is none. */
export function parseDuration(text: string, options: DurationOptions = {}): number | undefined {
  const units = options.units ?? ALL_UNITS;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] || options.defaultUnit) as DurationUnit | undefined;
  if (!unit || !units.includes(unit)) return undefined;
  const ms = Number(match[1]) * UNIT_MS[unit];
  return options.fractional ? ms : Math.round(ms);
}

/** 'a duration like "500ms", "2s" or "1m"', for the units accepted. */
export function durationExamples(units: readonly DurationUnit[] = ALL_UNITS): string {
  const shown = units.slice(0, 3).map((u) => `"${UNIT_EXAMPLE[u]}"`);
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}` : shown.join('');
}

// Whole numbers --------------------------------------------------------------------------------

export interface Range {
  min?: number;
  max?: number;
}

const shown = (n: number) => (Math.abs(n) >= 10_000 ? n.toLocaleString('en-US') : String(n));

/** Why `value` is not a whole number in range ("must be a whole number from 1 to 16"), or undefined. */
export function wholeNumberProblem(value: string | number, range: Range = {}): string | undefined {
  const n = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  const ok =
    Number.isSafeInteger(n) &&
    (range.min === undefined || n >= range.min) &&
    (range.max === undefined || n <= range.max);
  if (ok) return undefined;
  if (range.min !== undefined && range.max !== undefined)
    return `must be a whole number from ${shown(range.min)} to ${shown(range.max)}`;
  if (range.min !== undefined) return `must be a whole number of at least ${shown(range.min)}`;
  if (range.max !== undefined) return `must be a whole number of at most ${shown(range.max)}`;
  return 'must be a whole number';
}

/** A whole number in range, or a UsageError (exit 2): `--days must be a whole number from 1 to 3,660 (got 0).` */
export function parseWholeNumber(value: string | number, options: Range & { name: string }): number {
  const problem = wholeNumberProblem(value, options);
  if (problem)
    throw new UsageError(`${options.name} ${problem} (got ${typeof value === 'string' ? `"${value}"` : value}).`);
  return Number(value);
}

// Byte sizes -----------------------------------------------------------------------------------

const BYTE_UNITS: Record<string, number> = { B: 1, kB: 1024, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** "512kB", "64MB", "1GB" (powers of 1024, as Postgres reads them) as bytes; undefined if it is none. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(B|kB|KB|MB|GB|TB)$/.exec(text.trim());
  return match ? Math.round(Number(match[1]) * BYTE_UNITS[match[2]!]!) : undefined;
}

// Problems -------------------------------------------------------------------------------------

/** ["buckets", 2, "id"] → "buckets[2].id"; [] → "(root)". */
export function formatIssuePath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}
