/** The audited surface as the catalog describes it: relations, columns, grants, functions. */
import type postgres from 'postgres';
import { auditSql } from './sqlfiles.js';

export type Tx = postgres.TransactionSql<Record<string, unknown>> | postgres.Sql<Record<string, unknown>>;
export type ApiRoleName = 'anon' | 'authenticated' | 'service_role';

export interface Column {
  name: string;
  type: string;
  baseType: string;
  category: string;
  notNull: boolean;
  hasDefault: boolean;
  generated: boolean;
  enumValues: string[] | null;
  /** Column privileges of anon and authenticated (table-wide grants included). */
  grants: Partial<Record<'anon' | 'authenticated', { select: boolean; insert: boolean; update: boolean }>> | null;
}

export interface RoleGrants {
  select: boolean;
  insert: boolean;
  update: boolean;
  delete: boolean;
  truncate: boolean;
  references: boolean;
  trigger: boolean;
  anyColumn: boolean;
  schemaUsage: boolean;
}

export interface Relation {
  oid: string;
  schema: string;
  name: string;
  /** r table, p partitioned table, v view, m materialized view, f foreign table. */
  kind: 'r' | 'p' | 'v' | 'm' | 'f';
  isPartition: boolean;
  parent: string | null;
  partitionBound: string | null;
  partitionKey: string | null;
  rls: boolean;
  forceRls: boolean;
  securityInvoker: boolean;
  primaryKey: string[] | null;
  uniques: { name: string; columns: string[]; predicate: string | null }[] | null;
  /** Every policy's USING and WITH CHECK text (client-controlled inputs are looked for in it). */
  policyText: string | null;
  foreignKeys: { columns: string[]; references: string; referencedColumns: string[] }[] | null;
  checks: string[] | null;
  columns: Column[];
  grants: Partial<Record<ApiRoleName, RoleGrants>>;
  policies: number;
  /** Has triggers of its own (not the internal ones of foreign keys). */
  triggers: boolean;
  published: boolean;
}

export interface FunctionInfo {
  oid: string;
  schema: string;
  name: string;
  signature: string;
  argNames: string[];
  argTypes: string[];
  securityDefiner: boolean;
  returnsSet: boolean;
  anon: boolean;
  authenticated: boolean;
}

export function fullName(rel: { schema: string; name: string }): string {
  return `${rel.schema}.${rel.name}`;
}

export async function loadRelations(tx: Tx, schemas: string[]): Promise<Relation[]> {
  const rows = await tx.unsafe<{ rel: Relation }[]>(auditSql('relations.sql'), [schemas]);
  return rows.map((r) => ({
    ...r.rel,
    oid: String(r.rel.oid),
    columns: r.rel.columns ?? [],
    grants: r.rel.grants ?? {},
  }));
}

export async function loadFunctions(tx: Tx, schemas: string[]): Promise<FunctionInfo[]> {
  const rows = await tx.unsafe<{ fn: FunctionInfo }[]>(auditSql('functions.sql'), [schemas]);
  return rows.map((r) => ({ ...r.fn, oid: String(r.fn.oid), argNames: r.fn.argNames ?? [] }));
}

/** The values a CHECK constraint allows for a column (`col IN (...)` / `col = ANY (ARRAY[...])`). */
export function allowedValues(rel: Relation, column: string): string[] | undefined {
  const enumValues = rel.columns.find((c) => c.name === column)?.enumValues;
  if (enumValues?.length) return enumValues;
  for (const check of rel.checks ?? []) {
    const pattern = new RegExp(`\\(\\(?${escapeRegExp(column)}\\)? = ANY \\(\\(?ARRAY\\[(.*?)\\]`);
    const match = pattern.exec(check);
    if (match) return [...match[1]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
  }
  return undefined;
}

/** Whether any CHECK constraint mentions the column. */
export function isChecked(rel: Relation, column: string): boolean {
  const word = new RegExp(`(^|[^a-z0-9_])${escapeRegExp(column)}([^a-z0-9_]|$)`);
  return (rel.checks ?? []).some((c) => word.test(c));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A `*` glob, matched against `column` or `table.column`. */
export function matchesColumn(patterns: string[], rel: Relation, column: string): boolean {
  return patterns.some((pattern) => {
    const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
    return pattern.includes('.')
      ? re.test(`${rel.name}.${column}`) || re.test(`${fullName(rel)}.${column}`)
      : re.test(column);
  });
}

/**
 * Server-owned: in the reviewed list (`schema.table.column`, `schema.table.*`); for a table the
 * list does not mention, a column matching the `protected` globs. Partitions answer for their parent.
 */
export function isServerOwned(
  config: { columns: { serverOwned: string[]; protected: string[] } },
  rel: Relation,
  column: string,
): boolean {
  const name = rel.isPartition && rel.parent ? rel.parent : fullName(rel);
  const list = config.columns.serverOwned;
  if (list.includes(`${name}.${column}`) || list.includes(`${name}.*`)) return true;
  if (list.some((entry) => entry.startsWith(`${name}.`))) return false;
  return matchesColumn(config.columns.protected, rel, column);
}

export function isDerived(config: { columns: { derived: string[] } }, rel: Relation, column: string): boolean {
  const name = rel.isPartition && rel.parent ? rel.parent : fullName(rel);
  return config.columns.derived.includes(`${name}.${column}`);
}

/** Columns the role may select (all of them when the catalog has no column grants). */
export function selectableColumns(rel: Relation, role: 'anon' | 'authenticated' | 'service_role'): string[] {
  if (role === 'service_role') return rel.columns.map((c) => c.name);
  return rel.columns.filter((c) => c.grants?.[role]?.select).map((c) => c.name);
}
