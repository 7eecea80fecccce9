/**
 * metrics is partitioned by year and has no default partition: a row for a year without a
 * partition fails. Seeding two years back may need a year the migration did not create, so we
 * ask the partitions engine for it (dreamdb.ensure_metrics_partition, from
 * 20261125100100_metrics_partitions.sql) rather than creating partitions ourselves: same names,
 * same lockdown (RLS forced, no API-role grants), same attach path.
 */
import type { Sql } from '../db/connect.js';
import { UsageError } from '../errors.js';

export interface PartitionOutcome {
  year: number;
  status: string;
}

export async function ensureMetricsPartitions(sql: Sql, years: Iterable<number>): Promise<PartitionOutcome[]> {
  const wanted = [...new Set(years)].sort();
  if (!wanted.length) return [];
  const [fn] = await sql<
    { ok: boolean }[]
  >`select to_regprocedure('dreamdb.ensure_metrics_partition(integer, text)') is not null as ok`;
  if (!fn?.ok) {
    const missing = await missingYears(sql, wanted);
    if (missing.length) {
      throw new UsageError(
        `public.metrics has no partition for ${missing.join(', ')}, and this database has no dreamdb.ensure_metrics_partition() to create one.`,
        {
          hint: 'Run dreamdb migrate (the partitions migration provides it), or seed fewer --days.',
        },
      );
    }
    return wanted.map((year) => ({ year, status: 'already attached' }));
  }
  const out: PartitionOutcome[] = [];
  // One short transaction per year (autocommit), before the data transaction starts.
  for (const year of wanted) {
    const [row] = await sql<{ status: string }[]>`select dreamdb.ensure_metrics_partition(${year}::int) as status`;
    out.push({ year, status: row?.status ?? 'unknown' });
  }
  return out;
}

/** Years with no attached partition covering Jan 1 (dreamdb's partitions are whole years). */
async function missingYears(sql: Sql, years: number[]): Promise<number[]> {
  const rows = await sql<{ year: number }[]>`
    select y as year from unnest(${years}::int[]) as y
    where not exists (
      select 1 from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'public.metrics'::regclass
        and pg_get_expr(c.relpartbound, c.oid) like format('FOR VALUES FROM (%L) TO (%%', make_date(y, 1, 1)))
    order by 1`;
  return rows.map((r) => r.year);
}
