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
import { ident, qualified } from './sqlfiles.js';
import type { Target } from './targets.js';

export type Digest = Record<string, string>;

export interface EffectChange {
  table: string;
  whose: 'other' | 'own';
}

export class SideEffects {
  private readonly sql: string;
  private readonly baselines = new Map<string, { other: Digest; own: Digest }>();
  readonly tables: string[];

  constructor(targets: Target[], config: AuditConfig) {
    const others: string[] = [];
    const owns: string[] = [];
    const seen = new Set<string>();
    const keys: string[] = [];
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
      others.push(`select ${lit(name)} as t, md5(t::text) as h from ${table} t where ${t.tenancy.match('$1')}`);
      const own = serverOwnedColumns(t.rel, config);
      const pk = t.rel.primaryKey?.[0];
      const existing = own.existing && pk ? ` and t.${ident(pk)}::text = any($3::text[])` : '';
      if (own.existing && pk)
        for (const rows of t.fixtures.values()) for (const r of rows) if (r.key[0]) keys.push(r.key[0]);
      if (own.columns === 'row')
        owns.push(
          `select ${lit(name)} as t, md5(t::text) as h from ${table} t where ${t.tenancy.match('$2')}${existing}`,
        );
      else if (own.columns.length)
        owns.push(
          `select ${lit(name)} as t, md5(row(${own.columns.map((c) => `t.${ident(c)}`).join(', ')})::text) as h from ${table} t where ${t.tenancy.match('$2')}${existing}`,
        );
    }
    this.tables = [...seen];
    const agg = (parts: string[]) =>
      parts.length
        ? `(select coalesce(json_object_agg(t, h), '{}')::text from (select t, md5(string_agg(h, ',' order by h)) as h from (${parts.join(' union all ')}) s group by t) g)`
        : `'{}'`;
    this.sql = `select ${agg(others)} as other, ${agg(owns)} as own where $1::text[] is not null and $2::text[] is not null and $3::text[] is not null`;
    this.keys = keys;
  }

  private readonly keys: string[];

  /**
   * The digest as a function in pg_temp (rolled back with the audit), so its plan is made once
   * per audit instead of once per probe.
   */
  async install(session: ProbeSession): Promise<void> {
    await session.install();
    if (session.inline) return;
    const tag = `$digest_${Math.random().toString(36).slice(2, 10)}$`;
    await session.tx.unsafe(
      `create function pg_temp.dreamdb_audit_digest(text[], text[], text[]) returns table (d_other text, d_own text)
       language plpgsql stable set plan_cache_mode = force_generic_plan as ${tag} #variable_conflict use_column
       begin return query ${this.sql}; end ${tag}`,
    );
    this.installed = true;
  }

  private installed = false;

  /** The probe step that reads the digest now (src/audit/session.ts). */
  step(others: string[], self: string[]): { sql: string; params: (string | null)[][] } {
    return {
      sql: this.installed
        ? 'select d_other as other, d_own as own from pg_temp.dreamdb_audit_digest($1::text[], $2::text[], $3::text[])'
        : this.sql,
      params: [others, self, this.keys],
    };
  }

  /** The state before a probe, per actor (nothing outside a probe ever changes). */
  cached(key: string): { other: Digest; own: Digest } | undefined {
    return this.baselines.get(key);
  }

  remember(key: string, rows: Record<string, unknown>[]): { other: Digest; own: Digest } {
    const digest = parseDigest(rows);
    this.baselines.set(key, digest);
    return digest;
  }

  /** What moved since `base`; `ignoreOwn` is the table the probe itself writes (its own rows there may change), `'*'` all of them. */
  changes(base: { other: Digest; own: Digest }, rows: Record<string, unknown>[], ignoreOwn?: string): EffectChange[] {
    const now = parseDigest(rows);
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

function parseDigest(rows: Record<string, unknown>[]): { other: Digest; own: Digest } {
  const row = rows[0] as { other?: string | null; own?: string | null } | undefined;
  return { other: JSON.parse(row?.other ?? '{}') as Digest, own: JSON.parse(row?.own ?? '{}') as Digest };
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
