-- Indexes Postgres will not use: a failed CREATE INDEX CONCURRENTLY, or a partitioned parent's
-- index created ON ONLY whose partitions were never attached (a restore that replayed
-- pg_get_indexdef as is). IF NOT EXISTS keeps such an index for ever.
select n.nspname as schema, t.relname as table_name, c.relname as index_name,
       t.relkind = 'p' as partitioned
  from pg_catalog.pg_index i
  join pg_catalog.pg_class c on c.oid = i.indexrelid
  join pg_catalog.pg_class t on t.oid = i.indrelid
  join pg_catalog.pg_namespace n on n.oid = t.relnamespace
 where not i.indisvalid
   and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_)'
 order by 1, 2, 3;
