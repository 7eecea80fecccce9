-- Whether supabase_realtime publishes the parent, and through the root (pubviaroot).
-- $1: the parent.
select coalesce(bool_or(p.puballtables or exists (
         select 1 from pg_publication_rel r
         where r.prpubid = p.oid and r.prrelid = to_regclass($1))), false) as published,
       coalesce(bool_and(p.pubviaroot), false) as via_root
from pg_publication p
where p.pubname = 'supabase_realtime'
