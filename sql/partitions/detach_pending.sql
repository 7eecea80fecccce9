-- Whether a DETACH ... CONCURRENTLY of the table was interrupted and waits to be finalized.
-- $1: the parent, $2: the partition's table name.
select exists (
  select 1 from dreamdb.metrics_partitions($1)
  where table_name = $2 and state = 'detach_pending'
) as pending
