/**
 * pg_cron as Supabase runs it: created `WITH SCHEMA pg_catalog` (its objects live in schema cron;
 * ALTER EXTENSION pg_cron SET SCHEMA is not supported), preloaded, in cron.database_name only.
 * Schedules are checked here first, so a typo is one line (exit 2), not pg_cron's error.
 */
import type { Sql } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { partitionsQuery } from './queries.js';

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;
const NAMES: Record<string, string[]> = {
  month: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  'day of week': ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
};

/** Why a schedule is not one pg_cron accepts (5 cron fields, or '[1-59] seconds'), or undefined. */
export function cronProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  const seconds = /^(\d+) seconds?$/.exec(s);
  if (seconds)
    return Number(seconds[1]) >= 1 && Number(seconds[1]) <= 59 ? undefined : 'an interval must be 1 to 59 seconds';
  if (s.startsWith('@'))
    return ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@reboot'].includes(s)
      ? undefined
      : `unknown shorthand ${s}`;
  const parts = s.split(/\s+/);
  if (parts.length !== 5) return `expected 5 fields (minute hour day month weekday), got ${parts.length}`;
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    const value = (v: string): number | undefined => {
      const named = NAMES[field.name]?.indexOf(v.toLowerCase());
      if (named !== undefined && named >= 0) return named + (field.name === 'month' ? 1 : 0);
      return /^\d+$/.test(v) ? Number(v) : undefined;
    };
    for (const item of part.split(',')) {
      const m = /^(\*|[^-/]+(?:-[^-/]+)?)(?:\/(\d+))?$/.exec(item);
      if (!m || (m[2] !== undefined && Number(m[2]) < 1)) return `${field.name} "${part}" is not valid`;
      if (m[1] === '*') continue;
      const [lo, hi] = m[1]!.split('-').map(value);
      if (lo === undefined || (m[1]!.includes('-') && hi === undefined)) return `${field.name} "${part}" is not valid`;
      for (const v of [lo, hi]) {
        if (v !== undefined && (v < field.min || v > field.max))
          return `${field.name} ${v} is out of range ${field.min}-${field.max}`;
      }
    }
  }
  return undefined;
}

export function assertCronSchedule(schedule: string): void {
  const problem = cronProblem(schedule);
  if (problem) {
    throw new UsageError(`--cron '${schedule}': ${problem}.`, {
      hint: "Five fields, e.g. '17 3 * * *' (03:17 every day), or '30 seconds'.",
    });
  }
}

export type PgCronState = 'installed' | 'available' | 'absent';

/** Whether cron.schedule exists here, could be created, or the server does not ship pg_cron. */
export async function pgCronState(sql: Sql): Promise<PgCronState> {
  const [row] = await sql.unsafe<{ installed: boolean; available: boolean }[]>(partitionsQuery('pg_cron_state'));
  return row?.installed ? 'installed' : row?.available ? 'available' : 'absent';
}

/** The one-line hint for a database without pg_cron. */
export function pgCronHint(state: Exclude<PgCronState, 'installed'>): string {
  return state === 'available'
    ? 'pg_cron is not created in this database: `create extension pg_cron with schema pg_catalog;` as Supabase does (the server needs shared_preload_libraries = pg_cron and cron.database_name = this database), or schedule the CLI (crontab line or CI snippet below).'
    : 'pg_cron is not installed on this server (Supabase ships it: Database > Extensions; on Debian: postgresql-<major>-cron, then shared_preload_libraries = pg_cron and a restart): schedule the CLI (crontab line or CI snippet below).';
}

/** pg_cron's own refusals (a schedule it parses differently, a database it does not run in) as one line. */
export function pgCronError(error: unknown, schedule: string): UsageError | undefined {
  const message = (error as { message?: string })?.message ?? '';
  if (/invalid schedule/i.test(message)) {
    return new UsageError(`--cron '${schedule}': pg_cron says: ${message}.`, {
      hint: "Five fields, e.g. '17 3 * * *' (03:17 every day).",
    });
  }
  if (/can only (be created|schedule jobs) in|cron\.database_name/i.test(message)) {
    return new UsageError(`pg_cron: ${message}.`, {
      hint: 'pg_cron runs jobs in one database (cron.database_name); schedule from that database, or set cron.database_name and restart the server.',
    });
  }
  return undefined;
}
