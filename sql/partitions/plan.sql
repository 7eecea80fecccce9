-- The rotation plan, the same one the pg_cron job follows.
-- $1: today, $2: years ahead, $3: first year (or null), $4: years retained (or null), $5: the parent.
select step, action, year, table_name, lo::text as lo, hi::text as hi, reason
from dreamdb.metrics_partition_plan($1::date, $2::int, $3::int, $4::int, $5)
order by step
