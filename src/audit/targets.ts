/**
 * What the matrix probes: every relation of the audited schemas, and storage.objects once per
 * bucket. Each target knows how to tell whose a row is (tenancy) and how to name a row (its key).
 */
import type { AuditConfig } from '../config/audit.js';
import { fullName, type Relation } from './catalog.js';
import { ident, literal } from './sqlfiles.js';

export interface Tenancy {
  /** SQL comparing the row's owner (table alias `t`) with an array of tenant ids (`$n`). */
  match(param: string): string;
  /** SQL of the owner as text, for the row aliased `alias`. */
  ownerText(alias: string): string;
  /** The owning column, when it is a plain column (for fixtures and inserts). */
  column?: string;
  /** A readable column the owner test needs (for SELECT privilege checks). */
  needs: string[];
  /** The other tables the owner test reads (a foreign key's parents, quoted): whose a row is changes when they do. */
  reads: string[];
}

export interface FixtureRow {
  owner: string;
  /** Primary key values as text, in primary key order. */
  key: string[];
  /** The values written, as text (markers for leak detection). */
  values: Record<string, string | null>;
}

export interface Target {
  rel: Relation;
  /** In findings: `public.metrics_y2026`, `storage.objects[bucket=avatars]`. */
  name: string;
  /** In the expectations file: partitions collapse to `public.metrics[partition]`. */
  matrixName: string;
  /** Extra row filter (a bucket). */
  filter?: string;
  tenancy?: Tenancy;
  /** Fixture rows by artist key; partitioned parents list their partitions' rows. */
  fixtures: Map<string, FixtureRow[]>;
  bucket?: { id: string; public: boolean; audit: boolean };
  /** Tables (and partitions) take writes; views and parents of partitions are probed too. */
  writable: boolean;
}

const AUDIT_BUCKET_LABEL = 'audit-private';

export function isStorageObjects(rel: Relation): boolean {
  return rel.schema === 'storage' && rel.name === 'objects';
}

/** Whose rows these are: the root's id, an owner column, a storage folder, or a foreign key to one of those. */
export function tenancyOf(
  rel: Relation,
  byName: Map<string, Relation>,
  config: AuditConfig,
  seen = new Set<string>(),
): Tenancy | undefined {
  const name = fullName(rel);
  const columns = new Set(rel.columns.map((c) => c.name));
  const rootName = rel.isPartition && rel.parent ? rel.parent : name;
  if (rootName === config.tenant.root) {
    const pk = byName.get(config.tenant.root)?.primaryKey?.[0] ?? 'id';
    return direct(pk, rel);
  }
  const owner = config.tenant.ownerColumns.find((c) => columns.has(c));
  if (owner) return direct(owner, rel);
  if (isStorageObjects(rel) && columns.has('name')) {
    const expr = (alias: string) => `(storage.foldername(${alias}.${ident('name')}))[1]`;
    return { match: (p) => `${expr('t')} = any(${p}::text[])`, ownerText: expr, needs: ['name'], reads: [] };
  }
  if (rel.kind === 'v' || seen.has(name)) return undefined;
  seen.add(name);
  for (const fk of rel.foreignKeys ?? []) {
    const parent = byName.get(fk.references);
    if (!parent || fk.columns.length !== 1) continue;
    const parentTenancy = tenancyOf(parent, byName, config, seen);
    if (!parentTenancy) continue;
    const parentName = `${ident(parent.schema)}.${ident(parent.name)}`;
    const inner = `p${seen.size}`;
    const expr = (alias: string) =>
      `(select ${parentTenancy.ownerText(inner)} from ${parentName} ${inner} where ${inner}.${ident(fk.referencedColumns[0]!)} = ${alias}.${ident(fk.columns[0]!)})`;
    return {
      match: (p) => `${expr('t')} = any(${p}::text[])`,
      ownerText: expr,
      needs: [fk.columns[0]!],
      reads: [parentName, ...parentTenancy.reads],
    };
  }
  return undefined;
}

function direct(column: string, rel: Relation): Tenancy {
  const type = rel.columns.find((c) => c.name === column)?.type ?? 'text';
  const col = ident(column);
  return {
    column,
    // A typed comparison keeps the owner's index usable.
    match: (p) => `t.${col} = any(${p}::${type}[])`,
    ownerText: (alias) => `${alias}.${col}::text`,
    needs: [column],
    reads: [],
  };
}

export function buildTargets(
  relations: Relation[],
  buckets: { id: string; public: boolean; audit: boolean }[],
  config: AuditConfig,
): Target[] {
  const byName = new Map(relations.map((r) => [fullName(r), r]));
  const targets: Target[] = [];
  for (const rel of relations) {
    const tenancy = tenancyOf(rel, byName, config);
    const base = {
      rel,
      name: fullName(rel),
      matrixName: rel.isPartition && rel.parent ? `${rel.parent}[partition]` : fullName(rel),
      fixtures: new Map<string, FixtureRow[]>(),
      writable: rel.kind === 'r' || rel.kind === 'p',
      ...(tenancy ? { tenancy } : {}),
    };
    if (isStorageObjects(rel)) {
      for (const bucket of buckets) {
        const label = bucket.audit ? AUDIT_BUCKET_LABEL : bucket.id;
        targets.push({
          ...base,
          name: `storage.objects[bucket=${label}]`,
          matrixName: `storage.objects[bucket=${label}]`,
          filter: `${ident('bucket_id')} = ${literal(bucket.id)}`,
          fixtures: new Map(),
          bucket,
        });
      }
      continue;
    }
    targets.push(base);
  }
  return targets;
}
