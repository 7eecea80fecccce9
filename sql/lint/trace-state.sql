-- Per user relation: its storage (relfilenode changes when a statement rewrites it) and the
-- sequential scans this transaction ran on it (pg_stat_xact_*: visible before commit).
select c.oid::bigint as oid, format('%I.%I', n.nspname, c.relname) as name, c.relfilenode::bigint as filenode,
       c.relkind in ('i', 'I') as is_index,
       coalesce(s.seq_scan, 0)::bigint as seq_scan, coalesce(s.seq_tup_read, 0)::bigint as seq_tup_read,
       coalesce(g.seq_scan, 0)::bigint as total_seq_scan, coalesce(g.seq_tup_read, 0)::bigint as total_seq_tup_read
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_stat_xact_user_tables s on s.relid = c.oid
left join pg_stat_user_tables g on g.relid = c.oid
where c.oid >= 16384 and c.relkind in ('r', 'p', 'm', 'i', 't', 'I')
  and n.nspname not like 'pg\_%'
