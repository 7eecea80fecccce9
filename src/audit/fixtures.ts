/**
 * The audit's own data: artists A, B, C (auth.users and several rows of their own in every
 * tenant-owned table, partition and bucket), written as the audit's role inside the outer
 * transaction that is rolled back at the end. Values come from the catalog: owner columns, foreign
 * keys to the same artist's rows, partition bounds, CHECK lists and enums. Rows vary on purpose
 * (each CHECK/enum value, null and non-null, past and future times) so that value-dependent
 * policies are exercised, and every text/uuid/json value carries a canary unique to its artist, so
 * a leak of another artist's data can be recognised in any output. `audit.fixtures` fills in the
 * rest. A table no row can be made for is reported (audit.fixture_failed) and probed without one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditConfig } from '../config/audit.js';
import { isPgError } from '../db/sqlfile.js';
import { allowedValues, fullName, isChecked, type Column, type Relation } from './catalog.js';
import { ARTIST_LETTERS, type Finding } from './model.js';
import type { TxSql } from './session.js';
import { ident, literal, qualified } from './sqlfiles.js';
import { isStorageObjects, type FixtureRow, type Target } from './targets.js';

export interface FixtureArtist {
  key: string;
  letter: string;
  /** The tenant's id (the root table's key). */
  id: string;
  /** The auth.users id this artist signs in with (= id unless tenancy is by membership). */
  sub: string;
  email: string;
}

export interface Fixtures {
  run: string;
  artists: FixtureArtist[];
  /** Tables and partitions for which no fixture row could be made (why). */
  skipped: { relation: string; reason: string }[];
  findings: Finding[];
  /** By membership: a user who is a member of the first two artists (a manager of several). */
  manager?: { sub: string; email: string };
}

export interface Value {
  sql: string;
  text: string | null;
}

const NUMBERS = ['1', '10', '0', '100', '5'];
// Even variants fill nullable columns: now, long ago, far ahead; odd ones (nullables left null) a month either side.
const TIMES = ['0', "-interval '30 days'", "-interval '400 days'", "interval '30 days'", "interval '400 days'"];

/** A value of the column's type that satisfies its CHECK list, for a row owned by `owner`; `variant` picks among the allowed ones. */
export function plainValue(rel: Relation, col: Column, marker: string, variant = 0, attempt = 0): Value | undefined {
  const allowed = allowedValues(rel, col.name);
  if (allowed?.length) {
    const v = allowed[variant % allowed.length]!;
    return { sql: `${literal(v)}::${col.type}`, text: v };
  }
  switch (col.category) {
    case 'S': {
      const text = attempt === 0 ? marker : attempt === 1 ? marker.replace(/[^a-z0-9]/g, '') : 'a';
      return { sql: `${literal(text)}::${col.type}`, text };
    }
    case 'N': {
      const n = NUMBERS[(variant + attempt) % NUMBERS.length]!;
      return { sql: `${n}::${col.type}`, text: n };
    }
    case 'B':
      return { sql: variant % 2 ? 'true' : 'false', text: variant % 2 ? 'true' : 'false' };
    case 'D': {
      const shift = TIMES[(variant + attempt) % TIMES.length]!;
      if (col.baseType === 'date')
        return { sql: `(current_date + (${shift === '0' ? "interval '0'" : shift}))::date`, text: null };
      if (col.baseType.startsWith('time') && !col.baseType.startsWith('timestamp'))
        return { sql: `now()::${col.type}`, text: null };
      return { sql: shift === '0' ? `now()::${col.type}` : `(now() + ${shift})::${col.type}`, text: null };
    }
    case 'A':
      return { sql: `'{}'::${col.type}`, text: null };
    case 'T':
      return { sql: `interval '1 hour'`, text: null };
    default:
      if (col.baseType === 'uuid') {
        const id = randomUUID();
        return { sql: `${literal(id)}::uuid`, text: id };
      }
      if (col.baseType === 'json' || col.baseType === 'jsonb') {
        if (attempt > 0) return { sql: `'{}'::${col.type}`, text: null };
        return { sql: `${literal(JSON.stringify({ audit: marker }))}::${col.type}`, text: marker };
      }
      if (col.baseType === 'bytea') return { sql: `'\\x00'::bytea`, text: null };
      if (col.baseType === 'inet') return { sql: `'10.0.0.1'::inet`, text: null };
      return undefined;
  }
}

/** The first value of a partition's bounds, e.g. FROM ('2026-01-01') -> 2026-01-01. */
export function partitionValue(bound: string | null): string | undefined {
  if (!bound || /DEFAULT|MODULUS/i.test(bound)) return undefined;
  const match = /(?:FROM|IN)\s*\(\s*'((?:[^']|'')*)'/i.exec(bound);
  return match ? match[1]!.replace(/''/g, "'") : undefined;
}

export function partitionColumn(parent: Relation | undefined): string | undefined {
  const match = /^(?:RANGE|LIST)\s*\(\s*"?([a-z_][a-z0-9_$]*)"?\s*\)$/i.exec(parent?.partitionKey ?? '');
  return match?.[1];
}

export interface RowPlan {
  columns: string[];
  values: Value[];
}

export interface RowContext {
  owner: FixtureArtist;
  config: AuditConfig;
  byName: Map<string, Relation>;
  /** The fixture rows already made, by relation name and artist key. */
  rowsOf: (relation: string, artistKey: string) => FixtureRow[] | undefined;
  marker: (column: string) => string;
  /** Every column (fixtures) or only what a client must send (insert probes). */
  minimal: boolean;
  /** Which of the allowed values, which time shift, null or not (fixture rows differ by it). */
  variant?: number;
  /** Retries after a CHECK or trigger refused a row: plainer values. */
  attempt?: number;
}

export class FixtureError extends Error {}

/** The columns and values of a row of `rel` owned by ctx.owner. Throws FixtureError when a required column has no value. */
export function planRow(target: Target, ctx: RowContext): RowPlan {
  const rel = target.rel;
  const name = fullName(rel);
  const variant = ctx.variant ?? 0;
  const attempt = ctx.attempt ?? 0;
  const parent = rel.parent ? ctx.byName.get(rel.parent) : undefined;
  const foreignKeys = (rel.isPartition ? parent?.foreignKeys : rel.foreignKeys) ?? [];
  const overrides = ctx.config.fixtures[name] ?? (rel.parent ? ctx.config.fixtures[rel.parent] : undefined) ?? {};
  const partCol = rel.isPartition ? partitionColumn(parent) : rel.kind === 'p' ? partitionColumn(rel) : undefined;
  const isRoot = (rel.isPartition ? rel.parent : name) === ctx.config.tenant.root;
  const pk = new Set(rel.primaryKey ?? []);
  const plan: RowPlan = { columns: [], values: [] };
  const add = (column: string, value: Value) => {
    plan.columns.push(column);
    plan.values.push(value);
  };
  // Variant 1 leaves nullable columns null; the others fill them.
  const fillOptional = !ctx.minimal && variant % 2 === 0 && attempt < 2;
  for (const col of rel.columns) {
    if (col.generated) continue;
    const override = overrides[col.name];
    if (override !== undefined) {
      add(col.name, {
        sql: override === null ? 'null' : `${literal(String(override))}::${col.type}`,
        text: override === null ? null : String(override),
      });
      continue;
    }
    if (target.tenancy?.column === col.name || (isRoot && rel.primaryKey?.[0] === col.name)) {
      add(col.name, { sql: `${literal(ctx.owner.id)}::${col.type}`, text: ctx.owner.id });
      continue;
    }
    const membership = ctx.config.tenant.membership;
    if (membership && (rel.isPartition ? rel.parent : name) === membership.table && col.name === membership.user) {
      add(col.name, { sql: `${literal(ctx.owner.sub)}::${col.type}`, text: ctx.owner.sub });
      continue;
    }
    if (
      membership &&
      (rel.isPartition ? rel.parent : name) === membership.table &&
      membership.values[col.name] !== undefined
    ) {
      const v = membership.values[col.name];
      add(col.name, {
        sql: v === null ? 'null' : `${literal(String(v))}::${col.type}`,
        text: v === null ? null : String(v),
      });
      continue;
    }
    if (isRoot && col.name === 'email') {
      add(col.name, { sql: `${literal(ctx.owner.email)}::${col.type}`, text: ctx.owner.email });
      continue;
    }
    if (col.name === partCol) {
      const bound = rel.isPartition ? partitionValue(rel.partitionBound) : undefined;
      add(col.name, bound ? { sql: `${literal(bound)}::${col.type}`, text: bound } : plainValue(rel, col, '')!);
      continue;
    }
    const required = col.notNull && !col.hasDefault;
    const fk = foreignKeys.find((f) => f.columns.length === 1 && f.columns[0] === col.name);
    if (fk) {
      if (fk.references === 'auth.users') {
        add(col.name, { sql: `${literal(ctx.owner.sub)}::${col.type}`, text: ctx.owner.sub });
        continue;
      }
      const refRows = ctx.rowsOf(fk.references, ctx.owner.key);
      const refRel = ctx.byName.get(fk.references);
      const index = refRel?.primaryKey?.indexOf(fk.referencedColumns[0]!) ?? -1;
      const ref = refRows?.[variant % (refRows?.length || 1)];
      if (ref && index >= 0 && (required || fillOptional)) {
        add(col.name, { sql: `${literal(ref.key[index]!)}::${col.type}`, text: ref.key[index]! });
        continue;
      }
      if (refRel && fk.references === ctx.config.tenant.root && (required || fillOptional)) {
        add(col.name, { sql: `${literal(ctx.owner.id)}::${col.type}`, text: ctx.owner.id });
        continue;
      }
      if (!required) continue;
      add(col.name, {
        sql: `(select ${ident(fk.referencedColumns[0]!)} from ${fk.references.split('.').map(ident).join('.')} limit 1)`,
        text: null,
      });
      continue;
    }
    if (pk.has(col.name) && col.hasDefault) continue;
    const checkedText = col.category === 'S' && isChecked(rel, col.name) && !allowedValues(rel, col.name);
    const fillable =
      ['S', 'B', 'D', 'E'].includes(col.category) ||
      col.baseType === 'uuid' ||
      col.baseType === 'json' ||
      col.baseType === 'jsonb' ||
      Boolean(allowedValues(rel, col.name));
    const optional = fillOptional && fillable && !(checkedText && attempt > 0);
    if (!required && !optional) continue;
    const value = plainValue(rel, col, ctx.marker(col.name), variant, attempt);
    if (!value) {
      throw new FixtureError(
        `no value can be made up for ${name}.${col.name} (${col.type}); give one in the config: "audit": { "fixtures": { "${rel.parent ?? name}": { "${col.name}": ... } } }`,
      );
    }
    add(col.name, value);
  }
  return plan;
}

export function insertSql(target: Target, plan: RowPlan, returning: string[]): string {
  const rel = target.rel;
  const cols = plan.columns.map(ident).join(', ');
  const values = plan.values.map((v) => v.sql).join(', ');
  const ret = returning.length ? ` returning ${returning.map((c) => `${ident(c)}::text`).join(', ')}` : '';
  if (!plan.columns.length) return `insert into ${qualified(rel.schema, rel.name)} as t default values${ret}`;
  return `insert into ${qualified(rel.schema, rel.name)} as t (${cols}) values (${values})${ret}`;
}

/** How many rows each artist gets in a table: enough to show every CHECK/enum value of a column at least once (2 to 5). */
export function rowsPerArtist(rel: Relation, config: AuditConfig): number {
  if ((rel.isPartition ? rel.parent : fullName(rel)) === config.tenant.root) return 1;
  const widest = Math.max(0, ...rel.columns.map((c) => allowedValues(rel, c.name)?.length ?? 0));
  return Math.min(5, Math.max(2, widest));
}

/** Writes the fixtures. Must run inside the outer audit transaction, as the audit's role. */
export async function createFixtures(
  tx: TxSql,
  targets: Target[],
  relations: Relation[],
  config: AuditConfig,
): Promise<Fixtures> {
  const run = randomBytes(3).toString('hex');
  const membership = Boolean(config.tenant.membership);
  const artists: FixtureArtist[] = Array.from({ length: config.artists }, (_, i) => {
    const letter = ARTIST_LETTERS[i]!;
    const id = randomUUID();
    return {
      key: `artist_${letter}`,
      letter: letter.toUpperCase(),
      id,
      sub: membership ? randomUUID() : id,
      email: `audit-${run}-${letter}@dreamdb-audit.invalid`,
    };
  });
  const byName = new Map(relations.map((r) => [fullName(r), r]));
  const skipped: Fixtures['skipped'] = [];
  const findings: Finding[] = [];

  const manager =
    membership && artists.length >= 3
      ? { sub: randomUUID(), email: `audit-${run}-manager@dreamdb-audit.invalid` }
      : undefined;
  if (byName.has('auth.users') || (await tx`select to_regclass('auth.users') is not null as ok`)[0]?.ok) {
    for (const a of [...artists, ...(manager ? [{ ...manager }] : [])]) {
      await tx`insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
               values (${a.sub}, ${a.email}, 'authenticated', 'authenticated', '{"provider":"email","providers":["email"]}', '{}', now(), now())`;
    }
  }

  const rowsByRelation = new Map<string, Map<string, FixtureRow[]>>();
  const rowsOf = (relation: string, artistKey: string) => rowsByRelation.get(relation)?.get(artistKey);
  const record = (relation: string, artistKey: string, row: FixtureRow) => {
    const perArtist = rowsByRelation.get(relation) ?? new Map<string, FixtureRow[]>();
    rowsByRelation.set(relation, perArtist);
    perArtist.set(artistKey, [...(perArtist.get(artistKey) ?? []), row]);
  };

  // Tables without an owner that a tenant table needs a row of (a lookup table), if they are empty.
  const tenantTables = targets.filter((t) => t.tenancy && t.rel.kind === 'r' && !isStorageObjects(t.rel));
  const needed = new Set(tenantTables.flatMap((t) => (t.rel.foreignKeys ?? []).map((fk) => fk.references)));
  for (const target of targets.filter(
    (t) => !t.tenancy && t.rel.kind === 'r' && needed.has(t.name) && !isStorageObjects(t.rel),
  )) {
    const [row] = await tx.unsafe<{ n: boolean }[]>(
      `select exists (select 1 from ${qualified(target.rel.schema, target.rel.name)}) as n`,
    );
    if (row?.n) continue;
    let n = 0;
    await writeRow(
      tx,
      target,
      {
        owner: artists[0]!,
        config,
        byName,
        rowsOf,
        minimal: false,
        marker: () => `audit-${run}-shared-${target.rel.name}-${(n += 1)}`,
      },
      artists[0]!,
    ).catch(() => undefined);
  }

  const tables = orderByDependencies(tenantTables, byName, config);
  for (const target of tables) {
    const rel = target.rel;
    if (rel.isPartition && !partitionValue(rel.partitionBound)) {
      skipped.push({ relation: target.name, reason: 'default or hash partition: no row can be aimed at it' });
      continue;
    }
    if (!rel.primaryKey?.length)
      skipped.push({ relation: target.name, reason: 'no primary key: rows are told apart by owner only' });
    const perArtist = rowsPerArtist(rel, config);
    for (const artist of artists) {
      let n = 0;
      const marker = () => `audit-${run}-${artist.letter.toLowerCase()}-${rel.name}-${(n += 1)}`;
      for (let variant = 0; variant < perArtist; variant += 1) {
        const result = await writeRow(
          tx,
          target,
          { owner: artist, config, byName, rowsOf, minimal: false, marker, variant },
          artist,
        );
        if (result.ok) {
          record(target.name, artist.key, result.row);
          if (rel.isPartition && rel.parent) record(rel.parent, artist.key, result.row);
        } else if (variant === 0 && !rowsOf(target.name, artist.key)?.length) {
          skipped.push({ relation: target.name, reason: result.reason });
          if (artist === artists[0]) {
            findings.push({
              area: 'isolation',
              id: 'audit.fixture_failed',
              level: 'warn',
              object: target.name,
              operation: 'write fixture rows',
              expected: 'a fixture row per artist',
              actual: result.reason,
              message: `the audit could not write a row of its own into ${target.name} (${result.reason}); its reads and writes of other artists' rows are probed without fixture rows, so isolation there is not proven`,
              hint: `Give the values the generator cannot guess in the config: "audit": { "fixtures": { "${rel.parent ?? fullName(rel)}": { "<column>": <value> } } }, or relax the rule that refused the row for the audit's role.`,
            });
          }
          break;
        }
      }
    }
  }

  if (manager && config.tenant.membership) {
    // The manager: a member of A's and of B's, as the membership rows the fixtures made for them.
    const target = targets.find((t) => t.name === config.tenant.membership!.table);
    for (const artist of target ? artists.slice(0, 2) : []) {
      const plan = planRow(target!, {
        owner: { ...artist, sub: manager.sub },
        config,
        byName,
        rowsOf,
        minimal: false,
        marker: () => `audit-${run}-manager-${artist.letter.toLowerCase()}`,
      });
      const result = await insertPlan(tx, target!, plan, artist);
      if (!result.ok)
        findings.push({
          area: 'isolation',
          id: 'audit.fixture_failed',
          level: 'warn',
          object: target!.name,
          operation: "write the manager's membership",
          expected: 'a membership row',
          actual: result.reason,
          message: `the audit could not make its manager a member of artist ${artist.letter} in ${target!.name}: ${result.reason}`,
          hint: "Give the membership row's other columns in audit.tenant.membership.values.",
        });
    }
  }

  for (const target of targets.filter((t) => t.bucket)) {
    for (const artist of artists) {
      const objectName = `${artist.id}/audit-${run}-${artist.letter.toLowerCase()}.png`;
      const cols = new Set(target.rel.columns.map((c) => c.name));
      const plan: RowPlan = {
        columns: ['bucket_id', 'name'],
        values: [
          { sql: literal(target.bucket!.id), text: target.bucket!.id },
          { sql: literal(objectName), text: objectName },
        ],
      };
      if (cols.has('owner')) {
        plan.columns.push('owner');
        plan.values.push({ sql: `${literal(artist.sub)}::uuid`, text: artist.sub });
      }
      if (cols.has('owner_id')) {
        plan.columns.push('owner_id');
        plan.values.push({ sql: literal(artist.sub), text: artist.sub });
      }
      if (cols.has('metadata')) {
        plan.columns.push('metadata');
        plan.values.push({ sql: `'{"mimetype":"image/png","size":1}'::jsonb`, text: null });
      }
      const result = await insertPlan(tx, target, plan, artist);
      if (result.ok) record(target.name, artist.key, result.row);
      else skipped.push({ relation: target.name, reason: result.reason });
    }
  }

  for (const target of targets) {
    const rows = rowsByRelation.get(target.name);
    if (rows) target.fixtures = rows;
  }
  return { run, artists, skipped, findings, ...(manager ? { manager } : {}) };
}

type WriteResult = { ok: true; row: FixtureRow } | { ok: false; reason: string };

/** A row as planned; when a CHECK, trigger or NOT NULL refuses it, plainer rows (attempts 1, 2, 3). */
async function writeRow(tx: TxSql, target: Target, ctx: RowContext, artist: FixtureArtist): Promise<WriteResult> {
  let last: WriteResult = { ok: false, reason: 'no attempt' };
  for (let attempt = 0; attempt < 4; attempt += 1) {
    let plan: RowPlan;
    try {
      plan = planRow(target, { ...ctx, attempt });
    } catch (error) {
      if (error instanceof FixtureError) return { ok: false, reason: error.message };
      throw error;
    }
    last = await insertPlan(tx, target, plan, artist);
    if (last.ok) return last;
  }
  return last;
}

async function insertPlan(tx: TxSql, target: Target, plan: RowPlan, artist: FixtureArtist): Promise<WriteResult> {
  const pk = target.rel.primaryKey ?? [];
  try {
    await tx.unsafe('savepoint audit_fixture').simple();
    const [row] = await tx.unsafe<Record<string, string>[]>(insertSql(target, plan, pk));
    await tx.unsafe('release savepoint audit_fixture').simple();
    const values: Record<string, string | null> = {};
    plan.columns.forEach((c, i) => (values[c] = plan.values[i]!.text));
    return { ok: true, row: { owner: artist.id, key: pk.map((c) => row?.[c] ?? ''), values } };
  } catch (error) {
    await tx
      .unsafe('rollback to savepoint audit_fixture; release savepoint audit_fixture')
      .simple()
      .catch(() => {});
    if (!isPgError(error)) throw error;
    return { ok: false, reason: `${error.code}: ${error.message}` };
  }
}

/** The root table first, then each table after the tables its foreign keys point at. */
function orderByDependencies(targets: Target[], byName: Map<string, Relation>, config: AuditConfig): Target[] {
  const groupOf = (t: Target) => t.rel.parent ?? t.name;
  const done = new Set<string>();
  const out: Target[] = [];
  const pending = [...targets].sort(
    (a, b) => Number(groupOf(b) === config.tenant.root) - Number(groupOf(a) === config.tenant.root),
  );
  while (pending.length) {
    const index = pending.findIndex((t) => {
      const rel = t.rel.parent ? (byName.get(t.rel.parent) ?? t.rel) : t.rel;
      return (rel.foreignKeys ?? []).every(
        (fk) =>
          fk.references === groupOf(t) || done.has(fk.references) || !pending.some((p) => groupOf(p) === fk.references),
      );
    });
    const [next] = pending.splice(index === -1 ? 0 : index, 1);
    out.push(next!);
    if (!pending.some((p) => groupOf(p) === groupOf(next!))) done.add(groupOf(next!));
  }
  return out;
}
