-- The relation locks a backend ($1) holds or waits for in this database, user relations only
-- (oid >= 16384: the catalogs' own short locks are noise here).
select l.relation::oid::bigint as oid, l.mode, l.granted
from pg_locks l
where l.pid = $1 and l.locktype = 'relation' and l.relation >= 16384
  and l.database = (select oid from pg_database where datname = current_database())
