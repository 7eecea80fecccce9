/**
 * Side effects: after a write or function probe (before its savepoint rolls back), a digest per
 * table of (a) the other artists' rows and (b) the actor's own server-owned values (every column
 * of a table the client may not write at all; the server-owned columns of the others). A client
 * action that changes another artist's data, or awards itself server-owned values (through a
 * trigger, a SECURITY DEFINER function, a rule), shows as a table whose digest moved.
 */
import { quoteLiteral } from '../db/quote.js';
import type { AuditConfig } from '../config/audit.js';
import { isDerived, isServerOwned, type Relation } from './catalog.js';
import type { ProbeSession } from './session.js';
import { auditSql, ident, qualified } from './sqlfiles.js';
import type { Target } from './targets.js';

export type Digest = Record<string, string>;

export interface EffectChange {
  table: string;
  whose: 'other' | 'own';
}

/** One table's part of the digest: the statements that hash the other artists' rows and the actor's own server-owned values. */
interface DigestPart {
  table: string;
  /** `select md5(...) as h from <table> t where ...` ($1: the others' ids). */
  other: string;
  /** The same for the actor's own rows ($2: its ids, $3: the fixtures' keys), when anything of them is server-owned. */
  own?: string;
  /** The relations whose rows decide this table's digest: itself and the parents its owner test reads (quoted). */
  reads: string[];
}

export class SideEffects {
  private readonly sql: string;
  private readonly parts: DigestPart[] = [];
  private readonly keys: string[] = [];
  private readonly baselines = new Map<string, { other: Digest; own: Digest }>();
  readonly tables: string[];

  constructor(targets: Target[], config: AuditConfig) {
    const seen = new Set<string>();
    for (const t of targets) {
      if (
        !t.tenancy ||
        t.rel.isPartition ||
        t.bucket ||
        (t.rel.kind !== 'r' && t.rel.kind !== 'p') ||
        seen.has(t.rel.oid)
      )
        continue;
      seen.add(t.rel.oid);
      const name = `${t.rel.schema}.${t.rel.name}`;
      const table = qualified(t.rel.schema, t.rel.name);
      const part: DigestPart = {
        table: name,
        other: `select md5(t::text) as h from ${table} t where ${t.tenancy.match('$1')}`,
        reads: [table, ...t.tenancy.reads],
      };
      const own = serverOwnedColumns(t.rel, config);
      const pk = t.rel.primaryKey?.[0];
      const existing = own.existing && pk ? ` and t.${ident(pk)}::text = any($3::text[])` : '';
      if (own.existing && pk)
        for (const rows of t.fixtures.values()) for (const r of rows) if (r.key[0]) this.keys.push(r.key[0]);
      if (own.columns === 'row')
        part.own = `select md5(t::text) as h from ${table} t where ${t.tenancy.match('$2')}${existing}`;
      else if (own.columns.length)
        part.own = `select md5(row(${own.columns.map((c) => `t.${ident(c)}`).join(', ')})::text) as h from ${table} t where ${t.tenancy.match('$2')}${existing}`;
      this.parts.push(part);
    }
    this.tables = [...seen];
    // One statement for the client-driven runner: per table, an md5 of the sorted row hashes.
    const agg = (whose: 'other' | 'own') => {
      const parts = this.parts.flatMap((p) =>
        p[whose] ? [`select ${lit(p.table)} as t, h from (${p[whose]}) x`] : [],
      );
      return parts.length
        ? `(select coalesce(json_object_agg(t, h), '{}')::text from (select t, md5(string_agg(h, ',' order by h)) as h from (${parts.join(' union all ')}) s group by t) g)`
        : `'{}'`;
    };
    this.sql = `select ${agg('other')} as other, ${agg('own')} as own where $1::text[] is not null and $2::text[] is not null and $3::text[] is not null`;
  }

  /**
   * The digest as a function in pg_temp (rolled back with the audit): each table's statements are
   * planned once per audit, and after a probe only the tables whose marks moved are hashed again
   * (sql/audit/digest.sql, sql/audit/marks.sql).
   */
  async install(session: ProbeSession): Promise<void> {
    await session.install();
    if (session.inline) return;
    const tag = `$digest_${Math.random().toString(36).slice(2, 10)}$`;
    // Marks need the server's per-transaction row counters; where they are off, every digest hashes every table.
    const [counting] = await session.tx<{ on: boolean }[]>`select current_setting('track_counts')::boolean as on`;
    this.marks = Boolean(counting?.on) && this.parts.length > 0;
    const index = new Map<string, number>();
    const deps = new Map<string, number[]>();
    if (this.marks) {
      // Each relation the digest reads, with its partitions: one element of the marks each, the catalogs first.
      const relations = [...MARKED_CATALOGS, ...new Set(this.parts.flatMap((p) => p.reads))];
      const rows = await session.tx<{ rel: string; oid: string }[]>`
        select r.rel, l.oid::text as oid
        from unnest(${relations}::text[]) with ordinality r(rel, n),
          lateral (select r.rel::regclass::oid union select relid::oid from pg_partition_tree(r.rel::regclass)) l(oid)
        order by r.n, l.oid`;
      const leaves = new Map<string, string[]>();
      for (const { rel, oid } of rows) {
        leaves.set(rel, [...(leaves.get(rel) ?? []), oid]);
        if (!index.has(oid)) index.set(oid, index.size + 1);
      }
      for (const p of this.parts)
        deps.set(p.table, [...new Set(p.reads.flatMap((r) => leaves.get(r) ?? []).map((o) => index.get(o)!))]);
      const counter = (oid: string) =>
        ['inserted', 'updated', 'deleted'].map((c) => `pg_stat_get_xact_tuples_${c}(${oid}::oid)`).join(` || ':' || `);
      await session.tx.unsafe(
        auditSql('marks.sql')
          .replaceAll('$tag$', tag)
          .replace('/* relations */', [...index.keys()].map(counter).join(',\n    ')),
      );
    }
    const hash = (whose: 'other' | 'own', p: DigestPart) =>
      p[whose]
        ? `
    if dreamdb_moved is null or ${lit(p.table)} = any(dreamdb_moved) then
      dreamdb_h := (select md5(string_agg(s.h, ',' order by s.h)) from (${p[whose]}) s);
      if dreamdb_h is not null then dreamdb_${whose} := dreamdb_${whose} || jsonb_build_object(${lit(p.table)}, dreamdb_h); end if;
    end if;`
        : '';
    await session.tx.unsafe(
      auditSql('digest.sql')
        .replaceAll('$tag$', tag)
        .replace('/* marks */', this.marks ? 'true' : 'false')
        .replaceAll('/* catalogs */', String(MARKED_CATALOGS.length))
        .replace(
          '/* reads */',
          deps.size
            ? [...deps].map(([t, m]) => `(${lit(t)}, array[${m.join(', ')}])`).join(', ')
            : "(null::text, '{}'::int[])",
        )
        .replace('/* hash */', this.parts.map((p) => hash('other', p) + hash('own', p)).join('')),
    );
    this.installed = true;
  }

  private installed = false;
  private marks = false;

  /** The probe step that reads the digest now (src/audit/session.ts). */
  step(others: string[], self: string[]): { sql: string; params: (string | null)[][]; marks: boolean } {
    return {
      sql: this.installed
        ? 'select d_other as other, d_own as own, d_same as same from pg_temp.dreamdb_audit_digest($1::text[], $2::text[], $3::text[])'
        : this.sql,
      params: [others, self, this.keys],
      marks: this.installed && this.marks,
    };
  }

  /** The state before a probe, per actor (nothing outside a probe ever changes). */
  cached(key: string): { other: Digest; own: Digest } | undefined {
    return this.baselines.get(key);
  }

  private readonly claimed = new Set<string>();

  /** True for the first probe to ask for `key`'s state before it, while nobody has it or is measuring it. */
  claim(key: string): boolean {
    if (this.baselines.has(key) || this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }

  /** The claim's probe came back without the state (its set-up failed): the next probe measures it. */
  unclaim(key: string): undefined {
    this.claimed.delete(key);
    return undefined;
  }

  remember(key: string, rows: Record<string, unknown>[]): { other: Digest; own: Digest } {
    const digest = parseDigest(rows);
    this.baselines.set(key, digest);
    return digest;
  }

  /** What moved since `base`; `ignoreOwn` is the table the probe itself writes (its own rows there may change), `'*'` all of them. */
  changes(base: { other: Digest; own: Digest }, rows: Record<string, unknown>[], ignoreOwn?: string): EffectChange[] {
    const now = parseDigest(rows);
    // Tables the digest did not hash again: nothing they depend on moved, so they are as before.
    for (const table of now.same) {
      for (const whose of ['other', 'own'] as const) {
        const was = base[whose][table];
        if (was === undefined) delete now[whose][table];
        else now[whose][table] = was;
      }
    }
    const out: EffectChange[] = [];
    for (const table of new Set([...Object.keys(base.other), ...Object.keys(now.other)])) {
      if (base.other[table] !== now.other[table]) out.push({ table, whose: 'other' });
    }
    if (ignoreOwn === '*') return out;
    for (const table of new Set([...Object.keys(base.own), ...Object.keys(now.own)])) {
      if (table === ignoreOwn) continue;
      if (base.own[table] !== now.own[table]) out.push({ table, whose: 'own' });
    }
    return out;
  }
}

function parseDigest(rows: Record<string, unknown>[]): { other: Digest; own: Digest; same: string[] } {
  const row = rows[0] as { other?: string | null; own?: string | null; same?: string | null } | undefined;
  return {
    other: JSON.parse(row?.other ?? '{}') as Digest,
    own: JSON.parse(row?.own ?? '{}') as Digest,
    same: JSON.parse(row?.same ?? '[]') as string[],
  };
}

/**
 * What of the actor's own rows must not move: `row` (the client writes nothing there: any change or
 * new row is the server's), else the server-owned columns; `existing` when the client may insert
 * (its new rows are its own business, the fixture rows' server-owned values are not).
 */
export function serverOwnedColumns(
  rel: Relation,
  config: AuditConfig,
): { columns: string[] | 'row'; existing: boolean } {
  const grants = (c: Relation['columns'][number]) => c.grants?.authenticated;
  const insertable = rel.columns.some((c) => grants(c)?.insert);
  const writable = insertable || rel.columns.some((c) => grants(c)?.update);
  const keep = rel.columns.filter((c) => !isDerived(config, rel, c.name));
  if (!writable)
    return { columns: keep.length === rel.columns.length ? 'row' : keep.map((c) => c.name), existing: false };
  // Server-owned by the grants alone, a time is bookkeeping (updated_at = now()), not an award; the reviewed list can still name one.
  const columns = keep
    .filter(
      (c) => isServerOwned(config, rel, c.name) || (!(grants(c)?.insert || grants(c)?.update) && c.category !== 'D'),
    )
    .map((c) => c.name);
  const pk = rel.primaryKey ?? [];
  return {
    columns: [...new Set([...pk, ...columns])].length === pk.length ? [] : [...new Set([...pk, ...columns])],
    existing: insertable,
  };
}

const lit = quoteLiteral;

/** The catalogs whose rows decide what the digest reads besides the tables' own rows (sql/audit/marks.sql). */
const MARKED_CATALOGS = [
  'pg_catalog.pg_class',
  'pg_catalog.pg_attribute',
  'pg_catalog.pg_inherits',
  'pg_catalog.pg_type',
  'pg_catalog.pg_enum',
];
