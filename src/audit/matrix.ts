/**
 * The isolation matrix: for every target, actor and operation, the observed outcome. Reads count
 * the fixture rows an actor sees (its own, other artists', and whether any row the audit did not
 * write shows); writes count the rows affected or keep the error.
 */
import type { AuditConfig } from '../config/audit.js';
import { allowedValues, fullName, matchesColumn, type ApiRoleName, type Column, type Relation } from './catalog.js';
import { planRow, plainValue, insertSql, type FixtureArtist, type Fixtures, type Value } from './fixtures.js';
import type { Cell, Outcome } from './model.js';
import type { AuditActor, ProbeResult, ProbeSession, TxSql } from './session.js';
import { ident, literal, qualified } from './sqlfiles.js';
import type { FixtureRow, Target } from './targets.js';

export interface Actors {
  artists: AuditActor[];
  anon: AuditActor;
  service: AuditActor;
}

export interface MatrixContext {
  session: ProbeSession;
  targets: Target[];
  fixtures: Fixtures;
  actors: Actors;
  config: AuditConfig;
  byName: Map<string, Relation>;
}

/** Who each actor probes: an artist its own rows and the next artist's; anon and service_role artist A's. */
export interface Pairing {
  actor: AuditActor;
  self?: FixtureArtist;
  other: FixtureArtist;
}

export function pairings(ctx: Pick<MatrixContext, 'actors' | 'fixtures'>): Pairing[] {
  const { artists } = ctx.fixtures;
  return [
    ...ctx.actors.artists.map((actor, i) => ({ actor, self: artists[i]!, other: artists[(i + 1) % artists.length]! })),
    { actor: ctx.actors.anon, other: artists[0]! },
    { actor: ctx.actors.service, other: artists[0]! },
  ];
}

function outcomeOf<T>(result: ProbeResult<T>, ok: (value: T) => Outcome): Outcome {
  return result.ok ? ok(result.value) : { kind: 'error', code: result.code, message: result.message };
}

const table = (t: Target) => qualified(t.rel.schema, t.rel.name);
const where = (t: Target, clause: string) => (t.filter ? `${t.filter} and (${clause})` : clause);

/** SQL matching the rows of `rows` by primary key, parameters from $start. */
export function keyMatch(target: Target, rows: FixtureRow[], start = 1): { sql: string; params: string[][] } {
  const pk = target.rel.primaryKey;
  if (!pk?.length) {
    return { sql: target.tenancy!.match(`$${start}`), params: [[...new Set(rows.map((r) => r.owner))]] };
  }
  const types = pk.map((c) => target.rel.columns.find((col) => col.name === c)?.type ?? 'text');
  const params = pk.map((_, i) => rows.map((r) => r.key[i]!));
  if (pk.length === 1) return { sql: `t.${ident(pk[0]!)} = any($${start}::${types[0]}[])`, params };
  const cols = pk.map((c) => `t.${ident(c)}`).join(', ');
  const unnest = types.map((type, i) => `$${start + i}::${type}[]`).join(', ');
  return { sql: `(${cols}) in (select * from unnest(${unnest}))`, params };
}

export async function probeMatrix(ctx: MatrixContext, onProgress: (text: string) => void): Promise<Cell[]> {
  const cells: Cell[] = [];
  const pairs = pairings(ctx);
  for (const target of ctx.targets) {
    onProgress(`probing ${target.name}`);
    const add = (actor: AuditActor, op: string, outcome: Outcome) => cells.push({ relation: target.matrixName, actor: actor.key, op, outcome, target: target.name });
    for (const pair of pairs) {
      add(pair.actor, 'select', await probeSelect(ctx, target, pair));
      if (!target.tenancy) continue;
      for (const col of target.rel.columns.filter((c) => matchesColumn(ctx.config.columns.secret, target.rel, c.name))) {
        add(pair.actor, `read ${col.name}`, await probeRead(ctx, target, pair, col));
      }
      if (!target.writable) continue;
      if (pair.self) add(pair.actor, 'insert own', await probeInsert(ctx, target, pair.actor, pair.self));
      add(pair.actor, 'insert other', await probeInsert(ctx, target, pair.actor, pair.other));
      if (pair.self) {
        for (const col of target.rel.columns.filter((c) => !c.generated && matchesColumn(ctx.config.columns.protected, target.rel, c.name))) {
          add(pair.actor, `insert own +${col.name}`, await probeInsert(ctx, target, pair.actor, pair.self, col));
        }
      }
      for (const col of target.rel.columns.filter((c) => !c.generated)) {
        if (pair.self) add(pair.actor, `update own ${col.name}`, await probeUpdate(ctx, target, pair.actor, pair.self, col, pair.other));
        add(pair.actor, `update other ${col.name}`, await probeUpdate(ctx, target, pair.actor, pair.other, col, pair.other));
      }
      if (pair.self) add(pair.actor, 'delete own', await probeDelete(ctx, target, pair.actor, pair.self));
      add(pair.actor, 'delete other', await probeDelete(ctx, target, pair.actor, pair.other));
    }
    // Privileges that no row probe shows (and TRUNCATE, which ignores RLS: never executed here).
    for (const role of ['anon', 'authenticated', 'service_role'] as ApiRoleName[]) {
      const grants = target.rel.grants[role];
      const ops = target.tenancy && target.writable ? ['truncate', 'references', 'trigger'] : ['insert', 'update', 'delete', 'truncate', 'references', 'trigger'];
      if (target.rel.kind === 'v' && !target.tenancy) ops.splice(0, ops.length, 'insert', 'update', 'delete');
      for (const op of ops) {
        cells.push({ relation: target.matrixName, actor: role, op, outcome: { kind: 'grant', granted: Boolean(grants?.[op as 'truncate']) }, target: target.name });
      }
    }
  }
  return cells;
}

function allFixtureRows(target: Target): FixtureRow[] {
  return [...target.fixtures.values()].flat();
}

async function probeSelect(ctx: MatrixContext, target: Target, pair: Pairing): Promise<Outcome> {
  const t = table(target);
  if (!target.tenancy) {
    const rows = allFixtureRows(target);
    if (rows.length && target.rel.primaryKey?.length) {
      const key = keyMatch(target, rows);
      const result = await ctx.session.as(pair.actor, (tx) => tx.unsafe<{ n: number }[]>(`select count(*)::int as n from ${t} t where ${where(target, key.sql)}`, key.params), { method: 'GET' });
      return outcomeOf(result, (r) => ({ kind: 'rows', n: r[0]!.n }));
    }
    const result = await ctx.session.as(pair.actor, (tx) => tx.unsafe(`select 1 from ${t} t${target.filter ? ` where ${target.filter}` : ''} limit 1`), { method: 'GET' });
    return outcomeOf(result, () => ({ kind: 'ok' }));
  }
  const everyone = ctx.fixtures.artists.map((a) => a.id);
  const own = pair.self ? [pair.self.id] : [];
  const others = everyone.filter((id) => !own.includes(id));
  const m = target.tenancy.match.bind(target.tenancy);
  const query = `select
      (select count(*)::int from ${t} t where ${where(target, m('$1'))}) as own,
      (select count(*)::int from ${t} t where ${where(target, m('$2'))}) as other,
      exists (select 1 from ${t} t where ${where(target, `not coalesce(${m('$3')}, false)`)}) as foreign`;
  const result = await ctx.session.as(pair.actor, (tx) => tx.unsafe<{ own: number; other: number; foreign: boolean }[]>(query, [own, others, everyone]), { method: 'GET' });
  if (!result.ok && result.code === '42501' && pair.actor.role !== 'service_role') {
    // No SELECT on the owner column: count what shows at all.
    const fallback = await ctx.session.as(pair.actor, (tx) => tx.unsafe<{ n: number }[]>(`select count(*)::int as n from (select 1 from ${t} t${target.filter ? ` where ${target.filter}` : ''} limit 1000) s`), { method: 'GET' });
    if (fallback.ok) return { kind: 'visible', own: fallback.value[0]!.n, other: 0, foreign: false, keyed: false };
  }
  return outcomeOf(result, (r) => ({ kind: 'visible', own: r[0]!.own, other: r[0]!.other, foreign: r[0]!.foreign, keyed: true }));
}

async function probeRead(ctx: MatrixContext, target: Target, pair: Pairing, col: Column): Promise<Outcome> {
  const owner = pair.self ?? pair.other;
  const rows = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  const key = keyMatch(target, rows);
  const result = await ctx.session.as(pair.actor, (tx) => tx.unsafe(`select t.${ident(col.name)} from ${table(target)} t where ${where(target, key.sql)}`, key.params), { method: 'GET' });
  return outcomeOf(result, (r) => ({ kind: 'rows', n: r.length }));
}

function ownerKey(ctx: MatrixContext, artist: FixtureArtist): string {
  return ctx.fixtures.artists.find((a) => a.id === artist.id)!.key;
}

/** A value a client might try to give itself: the last CHECK value, a large number, a far date. */
function elevatedValue(rel: Relation, col: Column, marker: string): Value {
  const allowed = allowedValues(rel, col.name);
  if (allowed?.length) {
    const value = allowed[allowed.length - 1]!;
    return { sql: `${literal(value)}::${col.type}`, text: value };
  }
  switch (col.category) {
    case 'N':
      return { sql: `1000::${col.type}`, text: '1000' };
    case 'B':
      return { sql: 'true', text: 'true' };
    case 'D':
      return col.baseType === 'date' ? { sql: 'current_date + 3650', text: null } : { sql: `(now() + interval '10 years')::${col.type}`, text: null };
    default:
      return plainValue(rel, col, marker) ?? { sql: 'null', text: null };
  }
}

async function probeInsert(ctx: MatrixContext, target: Target, actor: AuditActor, owner: FixtureArtist, elevate?: Column): Promise<Outcome> {
  let n = 0;
  const plan = planRow(target, {
    owner,
    config: ctx.config,
    byName: ctx.byName,
    rowsOf: (relation, artistKey) => ctx.targets.find((t) => t.name === relation)?.fixtures.get(artistKey),
    minimal: true,
    marker: () => `audit-${ctx.fixtures.run}-${owner.letter.toLowerCase()}-new-${(n += 1)}`,
  });
  if (target.bucket) {
    plan.columns.splice(0, plan.columns.length, 'bucket_id', 'name');
    plan.values.splice(0, plan.values.length, { sql: literal(target.bucket.id), text: target.bucket.id }, { sql: literal(`${owner.id}/audit-${ctx.fixtures.run}-new.txt`), text: null });
  }
  if (elevate) {
    const value = elevatedValue(target.rel, elevate, `audit-${ctx.fixtures.run}-elevated`);
    const index = plan.columns.indexOf(elevate.name);
    if (index >= 0) plan.values[index] = value;
    else plan.columns.push(elevate.name), plan.values.push(value);
  }
  // The owner's fixture row makes room (unique keys per artist, one profile per user).
  const own = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  const prepare = own.length
    ? async (tx: TxSql) => {
        const key = keyMatch(target, own);
        await tx.unsafe(`delete from ${table(target)} t where ${key.sql}`, key.params);
      }
    : undefined;
  const result = await ctx.session.as(actor, (tx) => tx.unsafe(insertSql(target, plan, [])), prepare ? { prepare } : {});
  return outcomeOf(result, (r) => ({ kind: 'rows', n: r.count }));
}

async function probeUpdate(ctx: MatrixContext, target: Target, actor: AuditActor, owner: FixtureArtist, col: Column, other: FixtureArtist): Promise<Outcome> {
  const rows = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  if (!rows.length) return { kind: 'rows', n: 0 };
  let value: Value;
  if (col.name === target.tenancy?.column) {
    // Moving one's own row to another artist is a write on their behalf.
    value = { sql: `${literal(owner.id === other.id ? ctx.fixtures.artists.find((a) => a.id !== owner.id)!.id : other.id)}::${col.type}`, text: null };
  } else if (matchesColumn(ctx.config.columns.protected, target.rel, col.name)) {
    value = elevatedValue(target.rel, col, `audit-${ctx.fixtures.run}-elevated`);
  } else {
    const known = rows[0]!.values[col.name];
    value = known !== undefined && known !== null ? { sql: `${literal(known)}::${col.type}`, text: known } : plainValue(target.rel, col, `audit-${ctx.fixtures.run}-upd`) ?? { sql: 'null', text: null };
  }
  const key = keyMatch(target, rows);
  const result = await ctx.session.as(actor, (tx) =>
    tx.unsafe(`update ${table(target)} t set ${ident(col.name)} = ${value.sql} where ${where(target, key.sql)}`, key.params),
  );
  return outcomeOf(result, (r) => ({ kind: 'rows', n: r.count }));
}

async function probeDelete(ctx: MatrixContext, target: Target, actor: AuditActor, owner: FixtureArtist): Promise<Outcome> {
  const rows = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  if (!rows.length) return { kind: 'rows', n: 0 };
  const key = keyMatch(target, rows);
  const result = await ctx.session.as(actor, (tx) => tx.unsafe(`delete from ${table(target)} t where ${where(target, key.sql)}`, key.params));
  return outcomeOf(result, (r) => ({ kind: 'rows', n: r.count }));
}

export { fullName };
