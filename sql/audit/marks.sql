-- dreamdb audit-rls: where the tables the side-effect digest depends on stand now, one element per
-- relation: this transaction's own row counters (inserted:updated:deleted; they count rolled-back
-- subtransactions too, so they only ever grow). A table's rows can change only through a row
-- inserted, updated or deleted; anything else that changes what the digest reads (TRUNCATE, a
-- rewrite, a column added, dropped or retyped, a partition attached, detached or created, a type
-- or enum label changed) writes pg_class, pg_attribute, pg_inherits, pg_type or pg_enum, whose
-- counters are the first elements: when one of those moved, every table is hashed again.
-- Created in pg_temp inside the audit's transaction (rolled back with it); src/audit/effects.ts
-- fills in the relations (each table, its partitions, the parents its owner test reads).
create function pg_temp.dreamdb_audit_marks() returns text[]
language plpgsql stable as $tag$
begin
  return array[/* relations */]::text[];
end
$tag$;
