-- Every partition of the parent (and tables named like one), with bounds, protection and size.
-- $1: the parent.
select table_schema, table_name, state, year, lo::text as lo, hi::text as hi, rls_enabled, rls_forced,
       api_privileges, missing_indexes, owner_name, rows_estimate::text as rows_estimate,
       size_bytes::text as size_bytes
from dreamdb.metrics_partitions($1)
