/**
 * Commander argument parsers for the values of src/config/units.ts: a bad value is commander's
 * one-line "option '--x <n>' argument 'v' is invalid. <why>." and exit 2, the same for every flag.
 */
import { InvalidArgumentError } from 'commander';
import {
  durationExamples,
  parseDuration,
  wholeNumberProblem,
  type DurationOptions,
  type Range,
} from '../config/units.js';

/** `.argParser(wholeNumberFlag('--jobs', { min: 1, max: 16 }))` */
export function wholeNumberFlag(name: string, range: Range = {}): (value: string) => number {
  return (value) => {
    const problem = wholeNumberProblem(value, range);
    if (problem) throw new InvalidArgumentError(`${name} ${problem}.`);
    return Number(value);
  };
}

/** `.argParser(durationFlag('--lock-timeout'))`: milliseconds; a bare number is seconds unless defaultUnit says otherwise. */
export function durationFlag(name: string, options: DurationOptions = {}): (value: string) => number {
  const settings = { defaultUnit: 's' as const, ...options };
  return (value) => {
    const ms = parseDuration(value, settings);
    if (ms === undefined)
      throw new InvalidArgumentError(`${name} must be a duration like ${durationExamples(settings.units)}.`);
    return ms;
  };
}
