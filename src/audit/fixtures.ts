/**
 * The audit's own data: artists A, B, C (auth.users and a row of their own in every tenant-owned
 * table, partition and bucket), written as the audit's role inside the outer transaction that is
 * rolled back at the end. Values come from the catalog: owner columns, foreign keys to the same
 * artist's rows, partition bounds, CHECK lists, and unique markers in text columns (so a leak of
 * another artist's data can be recognised in any output). `audit.fixtures` fills in the rest.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditConfig } from '../config/audit.js';
import { isPgError } from '../db/sqlfile.js';
import { DreamdbError, ExitCode } from '../errors.js';
import { allowedValues, fullName, isChecked, type Column, type Relation } from './catalog.js';
import { ARTIST_LETTERS } from './model.js';
import type { TxSql } from './session.js';
import { ident, literal, qualified } from './sqlfiles.js';
import { isStorageObjects, type FixtureRow, type Target } from './targets.js';

export interface FixtureArtist {
  key: string;
  letter: string;
  id: string;
  email: string;
}

export interface Fixtures {
  run: string;
  artists: FixtureArtist[];
  /** Tables and partitions for which no fixture row could be made (why). */
  skipped: { relation: string; reason: string }[];
}

export interface Value {
  sql: string;
  text: string | null;
}

/** A value of the column's type that satisfies its CHECK list, for a row owned by `owner`. */
export function plainValue(rel: Relation, col: Column, marker: string): Value | undefined {
  const allowed = allowedValues(rel, col.name);
  if (allowed?.length) return { sql: `${literal(allowed[0]!)}::${col.type}`, text: allowed[0]! };
  switch (col.category) {
    case 'S':
      return { sql: `${literal(marker)}::${col.type}`, text: marker };
    case 'N':
      return { sql: `1::${col.type}`, text: '1' };
    case 'B':
      return { sql: 'false', text: 'false' };
    case 'D':
      return col.baseType === 'date' ? { sql: 'current_date', text: null } : { sql: `now()::${col.type}`, text: null };
    case 'A':
      return { sql: `'{}'::${col.type}`, text: null };
    default:
      if (col.baseType === 'uuid') {
        const id = randomUUID();
        return { sql: `${literal(id)}::uuid`, text: id };
      }
      if (col.baseType === 'json' || col.baseType === 'jsonb') return { sql: `'{}'::${col.type}`, text: null };
      if (col.baseType === 'bytea') return { sql: `'\\x00'::bytea`, text: null };
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
}

/** The columns and values of a row of `rel` owned by ctx.owner. Throws a could-not-run error when a column has no value. */
export function planRow(target: Target, ctx: RowContext): RowPlan {
  const rel = target.rel;
  const name = fullName(rel);
  const parent = rel.parent ? ctx.byName.get(rel.parent) : undefined;
  const foreignKeys = (rel.isPartition ? parent?.foreignKeys : rel.foreignKeys) ?? [];
  const overrides = ctx.config.fixtures[name] ?? (rel.parent ? ctx.config.fixtures[rel.parent] : undefined) ?? {};
  const partCol = rel.isPartition ? partitionColumn(parent) : rel.kind === 'p' ? partitionColumn(rel) : undefined;
  const isRoot = (rel.isPartition ? rel.parent : name) === ctx.config.tenant.root;
  const plan: RowPlan = { columns: [], values: [] };
  const add = (column: string, value: Value) => {
    plan.columns.push(column);
    plan.values.push(value);
  };
  for (const col of rel.columns) {
    if (col.generated) continue;
    const override = overrides[col.name];
    if (override !== undefined) {
      add(col.name, { sql: override === null ? 'null' : `${literal(String(override))}::${col.type}`, text: override === null ? null : String(override) });
      continue;
    }
    if (target.tenancy?.column === col.name || (isRoot && rel.primaryKey?.[0] === col.name)) {
      add(col.name, { sql: `${literal(ctx.owner.id)}::${col.type}`, text: ctx.owner.id });
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
    const fk = foreignKeys.find((f) => f.columns.length === 1 && f.columns[0] === col.name);
    if (fk) {
      if (fk.references === 'auth.users') {
        add(col.name, { sql: `${literal(ctx.owner.id)}::${col.type}`, text: ctx.owner.id });
        continue;
      }
      const refRows = ctx.rowsOf(fk.references, ctx.owner.key);
      const refRel = ctx.byName.get(fk.references);
      const index = refRel?.primaryKey?.indexOf(fk.referencedColumns[0]!) ?? -1;
      const ref = refRows?.[0];
      if (ref && index >= 0) {
        add(col.name, { sql: `${literal(ref.key[index]!)}::${col.type}`, text: ref.key[index]! });
        continue;
      }
      if (!col.notNull || col.hasDefault) continue;
      add(col.name, { sql: `(select ${ident(fk.referencedColumns[0]!)} from ${fk.references.split('.').map(ident).join('.')} limit 1)`, text: null });
      continue;
    }
    const required = col.notNull && !col.hasDefault;
    const marked = !ctx.minimal && !col.notNull && col.category === 'S' && !isChecked(rel, col.name);
    if (!required && !marked) continue;
    const value = plainValue(rel, col, ctx.marker(col.name));
    if (!value) {
      throw new DreamdbError(`The audit cannot make up a value for ${name}.${col.name} (${col.type}).`, {
        exitCode: ExitCode.usage,
        hint: `Give one in the config: "audit": { "fixtures": { "${rel.parent ?? name}": { "${col.name}": ... } } }`,
      });
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
  return `insert into ${qualified(rel.schema, rel.name)} as t (${cols}) values (${values})${ret}`;
}

/** Writes the fixtures. Must run inside the outer audit transaction, as the audit's role. */
export async function createFixtures(tx: TxSql, targets: Target[], relations: Relation[], config: AuditConfig): Promise<Fixtures> {
  const run = randomBytes(3).toString('hex');
  const artists: FixtureArtist[] = Array.from({ length: config.artists }, (_, i) => {
    const letter = ARTIST_LETTERS[i]!;
    return { key: `artist_${letter}`, letter: letter.toUpperCase(), id: randomUUID(), email: `audit-${run}-${letter}@dreamdb-audit.invalid` };
  });
  const byName = new Map(relations.map((r) => [fullName(r), r]));
  const skipped: Fixtures['skipped'] = [];

  if (byName.has('auth.users') || (await tx`select to_regclass('auth.users') is not null as ok`)[0]?.ok) {
    for (const a of artists) {
      await tx`insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
               values (${a.id}, ${a.email}, 'authenticated', 'authenticated', '{"provider":"email","providers":["email"]}', '{}', now(), now())`;
    }
  }

  const rowsByRelation = new Map<string, Map<string, FixtureRow[]>>();
  const rowsOf = (relation: string, artistKey: string) => rowsByRelation.get(relation)?.get(artistKey);
  const record = (relation: string, artistKey: string, row: FixtureRow) => {
    const perArtist = rowsByRelation.get(relation) ?? new Map<string, FixtureRow[]>();
    rowsByRelation.set(relation, perArtist);
    perArtist.set(artistKey, [...(perArtist.get(artistKey) ?? []), row]);
  };

  const tables = orderByDependencies(targets.filter((t) => t.tenancy && t.rel.kind === 'r' && !isStorageObjects(t.rel)), byName, config);
  for (const target of tables) {
    const rel = target.rel;
    if (rel.isPartition && !partitionValue(rel.partitionBound)) {
      skipped.push({ relation: target.name, reason: 'default or hash partition: no row can be aimed at it' });
      continue;
    }
    if (!rel.primaryKey?.length) skipped.push({ relation: target.name, reason: 'no primary key: rows are told apart by owner only' });
    for (const artist of artists) {
      let n = 0;
      const plan = planRow(target, { owner: artist, config, byName, rowsOf, minimal: false, marker: () => `audit-${run}-${artist.letter.toLowerCase()}-${rel.name}-${(n += 1)}` });
      const row = await insertFixture(tx, target, plan, artist);
      record(target.name, artist.key, row);
      if (rel.isPartition && rel.parent) record(rel.parent, artist.key, row);
    }
  }

  for (const target of targets.filter((t) => t.bucket)) {
    for (const artist of artists) {
      const objectName = `${artist.id}/audit-${run}-${artist.letter.toLowerCase()}.txt`;
      const cols = new Set(target.rel.columns.map((c) => c.name));
      const plan: RowPlan = { columns: ['bucket_id', 'name'], values: [{ sql: literal(target.bucket!.id), text: target.bucket!.id }, { sql: literal(objectName), text: objectName }] };
      if (cols.has('owner')) plan.columns.push('owner'), plan.values.push({ sql: `${literal(artist.id)}::uuid`, text: artist.id });
      if (cols.has('owner_id')) plan.columns.push('owner_id'), plan.values.push({ sql: literal(artist.id), text: artist.id });
      if (cols.has('metadata')) plan.columns.push('metadata'), plan.values.push({ sql: `'{"mimetype":"text/plain","size":1}'::jsonb`, text: null });
      record(target.name, artist.key, await insertFixture(tx, target, plan, artist));
    }
  }

  for (const target of targets) {
    const rows = rowsByRelation.get(target.name);
    if (rows) target.fixtures = rows;
  }
  return { run, artists, skipped };
}

async function insertFixture(tx: TxSql, target: Target, plan: RowPlan, artist: FixtureArtist): Promise<FixtureRow> {
  const pk = target.rel.primaryKey ?? [];
  try {
    await tx.unsafe('savepoint audit_fixture').simple();
    const [row] = await tx.unsafe<Record<string, string>[]>(insertSql(target, plan, pk));
    await tx.unsafe('release savepoint audit_fixture').simple();
    const values: Record<string, string | null> = {};
    plan.columns.forEach((c, i) => (values[c] = plan.values[i]!.text));
    return { owner: artist.id, key: pk.map((c) => row?.[c] ?? ''), values };
  } catch (error) {
    await tx.unsafe('rollback to savepoint audit_fixture').simple().catch(() => {});
    if (!isPgError(error)) throw error;
    throw new DreamdbError(`Could not write the audit's fixture row for artist ${artist.letter} in ${target.name}: ${error.message}`, {
      exitCode: ExitCode.usage,
      details: error.detail ? [`DETAIL: ${error.detail}`] : [],
      hint: `Give the columns the generator cannot guess in the config: "audit": { "fixtures": { "${target.rel.parent ?? fullName(target.rel)}": { "<column>": <value> } } }`,
      cause: error,
    });
  }
}

/** The root table first, then each table after the tables its foreign keys point at. */
function orderByDependencies(targets: Target[], byName: Map<string, Relation>, config: AuditConfig): Target[] {
  const groupOf = (t: Target) => t.rel.parent ?? t.name;
  const done = new Set<string>();
  const out: Target[] = [];
  const pending = [...targets].sort((a, b) => Number(groupOf(b) === config.tenant.root) - Number(groupOf(a) === config.tenant.root));
  while (pending.length) {
    const index = pending.findIndex((t) => {
      const rel = t.rel.parent ? byName.get(t.rel.parent) ?? t.rel : t.rel;
      return (rel.foreignKeys ?? []).every((fk) => fk.references === groupOf(t) || done.has(fk.references) || !pending.some((p) => groupOf(p) === fk.references));
    });
    const [next] = pending.splice(index === -1 ? 0 : index, 1);
    out.push(next!);
    if (!pending.some((p) => groupOf(p) === groupOf(next!))) done.add(groupOf(next!));
  }
  return out;
}
