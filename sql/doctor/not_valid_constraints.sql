-- CHECK and foreign key constraints added NOT VALID and never validated: rows written before
-- may break them, and the planner cannot rely on them.
select n.nspname as schema, t.relname as table_name, k.conname as constraint_name,
       case k.contype when 'f' then 'foreign key' when 'c' then 'check' else k.contype::text end as kind
  from pg_catalog.pg_constraint k
  join pg_catalog.pg_class t on t.oid = k.conrelid
  join pg_catalog.pg_namespace n on n.oid = t.relnamespace
 where not k.convalidated
   and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_)'
 order by 1, 2, 3;
