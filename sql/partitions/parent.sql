-- The partitioned parent: its schema, table, range key and default partition (if any).
-- $1: the parent, e.g. 'public.metrics'.
select p.schema_name as schema, p.table_name as table, p.key_column as key,
       n.nspname as def_schema, c.relname as def_name
from dreamdb.metrics_partition_parent($1) p
left join pg_class c on c.oid = p.default_partition
left join pg_namespace n on n.oid = c.relnamespace
