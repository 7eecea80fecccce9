/**
 * Pure parts of backup and restore: which tables a backup holds (include/exclude patterns,
 * partitions following their parent), file names, the order to load tables so foreign keys are
 * satisfied, reading yearly partition bounds, and counting a manifest's tables. No I/O.
 */
import { compareVersions } from '../plan/migrations.js';
import type { Manifest } from './manifest.js';

export interface CatalogTable {
  schema: string;
  name: string;
  /** 'r' ordinary table (or leaf partition), 'p' partitioned parent. */
  kind: 'r' | 'p';
  /** The root partitioned table, for a partition (schema.table). */
  root: string | null;
  parent: string | null;
  bound: string | null;
  columns: string[];
  /** On-disk size, to schedule the biggest tables first. */
  bytes: number;
}

/** The ledgers: always in a backup, read by restore, never loaded. */
export const LEDGER_TABLES = ['dreamdb.migrations', 'supabase_migrations.schema_migrations'] as const;

export function qualified(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}

/** 'schema.table' -> ['schema', 'table'] (a table name may itself contain dots). */
export function splitQualified(q: string): [string, string] {
  const i = q.indexOf('.');
  return [q.slice(0, i), q.slice(i + 1)];
}

export function matches(pattern: string, table: string): boolean {
  const [ps, pt] = pattern.split('.') as [string, string];
  const [ts, tt] = table.split('.') as [string, string];
  return ps === ts && (pt === '*' || pt === tt);
}

export interface Scope {
  /** Tables whose rows are copied: ordinary tables and leaf partitions (not partitioned parents). */
  data: CatalogTable[];
  ledgers: CatalogTable[];
  /** Partitioned parents in scope (no rows of their own). */
  parents: CatalogTable[];
}

/**
 * A table is in scope when `include` matches it and `exclude` does not; a partition is in scope
 * exactly when its root is (so a backup never holds half of a partitioned table).
 */
export function selectScope(
  tables: readonly CatalogTable[],
  include: readonly string[],
  exclude: readonly string[],
): Scope {
  const wanted = (q: string) => include.some((p) => matches(p, q)) && !exclude.some((p) => matches(p, q));
  const isLedger = (q: string) => (LEDGER_TABLES as readonly string[]).includes(q);
  const scope: Scope = { data: [], ledgers: [], parents: [] };
  for (const t of tables) {
    const q = qualified(t);
    if (isLedger(q)) {
      scope.ledgers.push(t);
      continue;
    }
    const inScope = t.root ? wanted(t.root) : wanted(q);
    if (!inScope) continue;
    if (t.kind === 'p') scope.parents.push(t);
    else scope.data.push(t);
  }
  const byName = (a: CatalogTable, b: CatalogTable) => qualified(a).localeCompare(qualified(b));
  scope.data.sort(byName);
  scope.ledgers.sort(byName);
  scope.parents.sort(byName);
  return scope;
}

/**
 * Sequences a backup restores: those owned by a table in scope (identity and serial columns), and
 * free-standing ones in a schema the include patterns take whole.
 */
export function sequencesInScope<S extends { schema: string; name: string; owner: string | null }>(
  sequences: readonly S[],
  scope: Scope,
  include: readonly string[],
  exclude: readonly string[],
): S[] {
  const tables = new Set([...scope.data, ...scope.parents].map(qualified));
  return sequences.filter((s) =>
    s.owner
      ? tables.has(s.owner)
      : include.some((p) => p === `${s.schema}.*`) && !exclude.some((p) => matches(p, `${s.schema}.${s.name}`)),
  );
}

/** data/<nnn>_<schema>.<table>.copy[.gz][.enc]: unique, sortable, safe on every file system. */
export function fileNameFor(
  index: number,
  table: { schema: string; name: string },
  options: { gzip: boolean; encrypted: boolean },
): string {
  const safe = `${table.schema}.${table.name}`.replace(/[^A-Za-z0-9_.$-]/g, '_');
  return `data/${String(index).padStart(3, '0')}_${safe}.copy${options.gzip ? '.gz' : ''}${options.encrypted ? '.enc' : ''}`;
}

export interface ForeignKey {
  /** The referencing table and the referenced one, as schema.table (roots, for partitions). */
  from: string;
  to: string;
}

/**
 * Tables ordered so every referenced table comes before the tables referencing it (Kahn's
 * algorithm; ties by name, so the order is stable). Cycles and self-references cannot be ordered:
 * their tables come last in name order, and the load relies on triggers being off for them.
 */
export function loadOrder(
  tables: readonly string[],
  keys: readonly ForeignKey[],
): { order: string[]; cyclic: string[] } {
  const set = new Set(tables);
  const deps = new Map<string, Set<string>>(tables.map((t) => [t, new Set()]));
  for (const k of keys) {
    if (k.from === k.to || !set.has(k.from) || !set.has(k.to)) continue;
    deps.get(k.from)!.add(k.to);
  }
  const order: string[] = [];
  const done = new Set<string>();
  let ready = tables.filter((t) => deps.get(t)!.size === 0).sort();
  while (ready.length) {
    const next = ready.shift()!;
    order.push(next);
    done.add(next);
    const newly = tables.filter(
      (t) => !done.has(t) && !ready.includes(t) && [...deps.get(t)!].every((d) => done.has(d)),
    );
    ready = [...ready, ...newly].sort();
  }
  const cyclic = tables.filter((t) => !done.has(t)).sort();
  return { order: [...order, ...cyclic], cyclic };
}

/** The year a partition covers when its bound is exactly one calendar year, else null. */
export function yearOfBound(bound: string | null): number | null {
  if (!bound) return null;
  const m = /^FOR VALUES FROM \('(\d{4})-01-01'\) TO \('(\d{4})-01-01'\)$/.exec(bound);
  if (!m) return null;
  const from = Number(m[1]);
  return Number(m[2]) === from + 1 ? from : null;
}

/** The newest version applied in full, from dreamdb's ledger rows (or the Supabase CLI's). */
export function schemaVersionOf(migrations: readonly { version: string }[]): string | null {
  let newest: string | null = null;
  for (const m of migrations) {
    if (newest === null || compareVersions(m.version, newest) > 0) newest = m.version;
  }
  return newest;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * What a backup holds, counted the same way by backup, verify, restore and the drill: the tables
 * of app data (their rows are totals.rows) and the migration ledgers kept with them (null: inside
 * a pg_dump archive, not counted).
 */
export interface TableCounts {
  data: number;
  ledgers: number | null;
}

export function tableCounts(m: Manifest): TableCounts {
  if (m.archive) return { data: m.archive.tables.length, ledgers: null };
  const data = m.tables.filter((t) => t.role === 'data').length;
  return { data, ledgers: m.tables.length - data };
}

export function describeTables(c: TableCounts): string {
  const ledgers =
    c.ledgers === null ? 'the migration ledgers' : `${c.ledgers} migration ledger${c.ledgers === 1 ? '' : 's'}`;
  return `${c.data} data tables + ${ledgers}`;
}
