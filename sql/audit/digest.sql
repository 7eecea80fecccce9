-- dreamdb audit-rls: the side-effect digest (src/audit/effects.ts) as a function in pg_temp, rolled back
-- with the audit. Per table, an md5 of the other artists' rows ($1: their ids) and of the actor's
-- own server-owned values ($2: its ids, $3: the fixtures' keys); each table's statement is planned
-- once per audit (the hashing blocks are filled in by src/audit/effects.ts).
-- After a probe (sql/audit/probe.sql set dreamdb.audit_marks just before it ran), only the tables
-- whose marks moved (sql/audit/marks.sql) are hashed again, a table's marks being its own rows,
-- its partitions' and those of the parents its owner test reads; d_same lists the others, which
-- the client takes from the digest before the probe. Without marks (the baseline, track_counts
-- off) or when a catalog moved, every table is hashed.
create function pg_temp.dreamdb_audit_digest(text[], text[], text[]) returns table (d_other text, d_own text, d_same text)
language plpgsql stable as $tag$
#variable_conflict use_column
declare
  before text[] := case when /* marks */ then nullif(current_setting('dreamdb.audit_marks', true), '')::text[] end;
  now_marks text[];
  dreamdb_moved text[];
  dreamdb_same text[] := '{}';
  dreamdb_other jsonb := '{}';
  dreamdb_own jsonb := '{}';
  dreamdb_h text;
begin
  if before is not null then
    now_marks := pg_temp.dreamdb_audit_marks();
    if before[1:/* catalogs */] = now_marks[1:/* catalogs */] then
      select coalesce(array_agg(d.name) filter (where d.moved), '{}'),
          coalesce(array_agg(d.name) filter (where not d.moved), '{}')
        into dreamdb_moved, dreamdb_same
        from (
          select r.name, exists (select 1 from unnest(r.deps) i where before[i] is distinct from now_marks[i]) as moved
          from (values /* reads */) r(name, deps)
        ) d;
    end if;
  end if;
  if dreamdb_moved is null or cardinality(dreamdb_moved) > 0 then
    /* hash */
  end if;
  return query select dreamdb_other::text, dreamdb_own::text, to_json(dreamdb_same)::text;
end
$tag$;
