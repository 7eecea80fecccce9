/** Days as integers (UTC days since 1970-01-01): cheap to loop over, exact to format. */
export const MS_PER_DAY = 86_400_000;

export function dayOf(date: Date): number {
  return Math.floor(date.getTime() / MS_PER_DAY);
}

export function todayUtc(): number {
  return dayOf(new Date());
}

export function dateString(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `yyyy-mm-dd` → day, or undefined when it is not a real date. */
export function parseDate(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return undefined;
  return ms / MS_PER_DAY;
}

/** A timestamp as COPY's text format and Postgres both read it: `2026-01-31 09:30:00+00`. */
export function timestampString(day: number, minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${dateString(day)} ${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:00+00`;
}

/**
 * Fixture dates: "today", "today-30d", "today+7d", an absolute "2026-01-31", each optionally
 * followed by a time " 09:30" (UTC). Relative dates keep the fixtures current: the dashboard's
 * "last 7 days" always has data on the day the fixtures are applied.
 */
export const RELATIVE_DATE = /^(?:today(?:([+-])(\d{1,4})d)?|(\d{4}-\d{2}-\d{2}))(?: (\d{2}):(\d{2}))?$/;

export interface ResolvedDate {
  day: number;
  minute: number;
}

export function resolveDate(text: string, today: number, defaultMinute = 9 * 60): ResolvedDate | undefined {
  const m = RELATIVE_DATE.exec(text);
  if (!m) return undefined;
  let day: number;
  if (m[3]) {
    const d = parseDate(m[3]);
    if (d === undefined) return undefined;
    day = d;
  } else {
    day = today + (m[1] === '-' ? -1 : 1) * Number(m[2] ?? 0);
  }
  if (m[4] === undefined) return { day, minute: defaultMinute };
  const hours = Number(m[4]);
  const minutes = Number(m[5]);
  if (hours > 23 || minutes > 59) return undefined;
  return { day, minute: hours * 60 + minutes };
}

export function toDate(r: ResolvedDate): Date {
  return new Date(r.day * MS_PER_DAY + r.minute * 60_000);
}
