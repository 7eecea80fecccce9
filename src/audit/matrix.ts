/**
 * The isolation matrix: for every target, actor and operation, the observed outcome. Reads count
 * the fixture rows an actor sees (its own, other artists', and whether any row the audit did not
 * write shows); writes count the rows affected or keep the error.
 */
import { randomUUID } from 'node:crypto';
import type { AuditConfig } from '../config/audit.js';
import {
  allowedValues,
  fullName,
  isServerOwned,
  matchesColumn,
  selectableColumns,
  type ApiRoleName,
  type Column,
  type Relation,
} from './catalog.js';
import type { Canaries } from './canaries.js';
import type { SideEffects } from './effects.js';
import { planRow, plainValue, insertSql, type FixtureArtist, type Fixtures, type Value } from './fixtures.js';
import { formatOutcome, type Cell, type Finding, type Outcome } from './model.js';
import { firstRow, type AuditActor, type ProbeRun, type ProbeSession, type ProbeStep, type Row } from './session.js';
import { ident, literal, qualified } from './sqlfiles.js';
import type { FixtureRow, Target } from './targets.js';

export interface Actors {
  artists: AuditActor[];
  /** By membership: one user who is a member of artists A and B. */
  manager?: AuditActor;
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
  canaries: Canaries;
  effects: SideEffects;
  /** Findings the probes make directly (leaks by canary, side effects), one per id and object. */
  findings: Finding[];
}

/** Adds a finding unless one with the same id and object is there; returns it. */
export function report(ctx: Pick<MatrixContext, 'findings'>, finding: Finding): void {
  const same = ctx.findings.find((f) => f.id === finding.id && f.object === finding.object);
  if (same) {
    if (finding.actor && same.actor && !same.actor.split(', ').includes(finding.actor))
      same.actor = `${same.actor}, ${finding.actor}`;
    return;
  }
  ctx.findings.push(finding);
}

/** Who each actor probes: an artist its own rows and the next artist's; anon and service_role artist A's. */
export interface Pairing {
  actor: AuditActor;
  self?: FixtureArtist;
  /** Further tenants the actor acts for (a manager of several artists, by membership). */
  also?: FixtureArtist[];
  other: FixtureArtist;
}

/** The tenant ids and keys an actor acts for. */
export function selfIds(pair: Pairing): string[] {
  return pair.self ? [pair.self.id, ...(pair.also ?? []).map((a) => a.id)] : [];
}
export function selfKeys(pair: Pairing): string[] {
  return pair.self ? [pair.self.key, ...(pair.also ?? []).map((a) => a.key)] : [];
}

export function pairings(ctx: Pick<MatrixContext, 'actors' | 'fixtures'>): Pairing[] {
  const { artists } = ctx.fixtures;
  return [
    ...ctx.actors.artists.map((actor, i) => ({ actor, self: artists[i]!, other: artists[(i + 1) % artists.length]! })),
    ...(ctx.actors.manager && artists.length >= 3
      ? [{ actor: ctx.actors.manager, self: artists[0]!, also: [artists[1]!], other: artists[2]! }]
      : []),
    { actor: ctx.actors.anon, other: artists[0]! },
    { actor: ctx.actors.service, other: artists[0]! },
  ];
}

function outcomeOf(result: ProbeRun, ok: (value: { rows: Row[]; count: number }) => Outcome): Outcome {
  return result.ok
    ? ok(result)
    : { kind: 'error', code: result.code, message: result.message, ...(result.where ? { where: result.where } : {}) };
}

const num = (row: Row | undefined, column: string): number => Number(row?.[column] ?? 0);
const text = (row: Row | undefined, column: string): string | undefined =>
  row?.[column] === undefined || row[column] === null ? undefined : String(row[column]);

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

export async function probeMatrix(
  ctx: MatrixContext,
  onProgress: (text: string) => void,
  guard: (object: string, fn: () => Promise<void>) => Promise<void>,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  const pairs = pairings(ctx);
  for (const target of ctx.targets) {
    onProgress(`probing ${target.name}`);
    await guard(target.name, async () => {
      const add = (actor: AuditActor, op: string, outcome: Outcome) =>
        cells.push({ relation: target.matrixName, actor: actor.key, op, outcome, target: target.name });
      // A pair's probes are independent (each is rolled back): started together, they go to the
      // server as one batch (src/audit/session.ts); their outcomes are added in this order.
      const pending: [string, Promise<Outcome>][] = [];
      const later = (op: string, outcome: Promise<Outcome>) => {
        outcome.catch(() => {});
        pending.push([op, outcome]);
      };
      const settle = async (pair: Pairing) => {
        for (const [op, outcome] of pending.splice(0)) add(pair.actor, op, await outcome);
      };
      /** Starts the pair's row probes; false where the table has no owner or no writes (nothing more to probe). */
      const queue = (pair: Pairing): boolean => {
        later('select', probeSelect(ctx, target, pair));
        if (!target.tenancy) return false;
        for (const col of target.rel.columns.filter((c) =>
          matchesColumn(ctx.config.columns.secret, target.rel, c.name),
        )) {
          later(`read ${col.name}`, probeRead(ctx, target, pair, col));
        }
        if (!target.writable) return false;
        if (pair.self) later('insert own', probeInsert(ctx, target, pair, pair.self));
        later('insert other', probeInsert(ctx, target, pair, pair.other));
        // Every column, once per kind of actor: the artists are alike (their fixtures vary the same way).
        // service_role bypasses RLS by design: one probe per operation; anon per column only where it holds a privilege.
        const anonMay = Boolean(target.rel.grants.anon?.insert || target.rel.grants.anon?.update);
        const everyColumn = pair.actor === ctx.actors.artists[0] || (pair.actor.role === 'anon' && anonMay);
        if (pair.self && everyColumn && !target.bucket) {
          // An own row pointing at another artist's row (a reply, a parent): a trigger acting on the referenced row must not touch theirs.
          const fks =
            (target.rel.isPartition ? ctx.byName.get(target.rel.parent ?? '')?.foreignKeys : target.rel.foreignKeys) ??
            [];
          for (const fk of fks) {
            const col = fk.columns.length === 1 ? target.rel.columns.find((c) => c.name === fk.columns[0]) : undefined;
            if (
              !col ||
              col.name === target.tenancy?.column ||
              fk.references === ctx.config.tenant.root ||
              fk.references === 'auth.users'
            )
              continue;
            const ref = ctx.targets.find((t) => t.name === fk.references);
            const theirs = ref?.fixtures.get(pair.other.key)?.[0];
            const at = ref?.rel.primaryKey?.indexOf(fk.referencedColumns[0]!) ?? -1;
            if (!theirs || at < 0 || !col.grants?.authenticated?.insert) continue;
            later(
              `insert own ->other ${col.name}`,
              probeInsert(ctx, target, pair, pair.self, col, false, {
                sql: `${literal(theirs.key[at]!)}::${col.type}`,
                text: theirs.key[at]!,
              }),
            );
          }
        }
        if (pair.self && everyColumn) {
          // Column-level INSERT: every column a client could send, at a value it would like to have.
          for (const col of target.rel.columns.filter((c) => !c.generated && c.name !== target.tenancy?.column)) {
            later(`insert own +${col.name}`, probeInsert(ctx, target, pair, pair.self, col));
          }
        }
        for (const col of target.rel.columns.filter(
          (c) =>
            !c.generated &&
            (everyColumn || c.name === target.tenancy?.column || isServerOwned(ctx.config, target.rel, c.name)),
        )) {
          if (pair.self) later(`update own ${col.name}`, probeUpdate(ctx, target, pair, pair.self, col));
          later(`update other ${col.name}`, probeUpdate(ctx, target, pair, pair.other, col));
        }
        if (pair.self) later('delete own', probeDelete(ctx, target, pair, pair.self));
        later('delete other', probeDelete(ctx, target, pair, pair.other));
        if (everyColumn && !target.bucket) {
          // PostgREST PATCH / DELETE without a filter: no WHERE, so no SELECT policy masks a loose UPDATE/DELETE policy.
          later('delete unfiltered', probeUnfiltered(ctx, target, pair));
          for (const col of target.rel.columns.filter(
            (c) => !c.generated && (c.grants?.[pair.actor.role === 'anon' ? 'anon' : 'authenticated']?.update ?? false),
          )) {
            later(`update unfiltered ${col.name}`, probeUnfiltered(ctx, target, pair, col));
          }
        }
        return true;
      };
      for (const pair of pairs) {
        const further = queue(pair);
        await settle(pair);
        if (!further) continue;
        if (target.bucket && pair.self) await probeObjectNames(ctx, target, pair, add);
        if (pair.self) await probeClientInputs(ctx, target, pair, add);
      }
      // Privileges that no row probe shows (and TRUNCATE, which ignores RLS: never executed here).
      for (const role of ['anon', 'authenticated', 'service_role'] as ApiRoleName[]) {
        const grants = target.rel.grants[role];
        const ops =
          target.tenancy && target.writable
            ? ['truncate', 'references', 'trigger']
            : ['insert', 'update', 'delete', 'truncate', 'references', 'trigger'];
        if (target.rel.kind === 'v' && !target.tenancy) ops.splice(0, ops.length, 'insert', 'update', 'delete');
        for (const op of ops) {
          cells.push({
            relation: target.matrixName,
            actor: role,
            op,
            outcome: { kind: 'grant', granted: Boolean(grants?.[op as 'truncate']) },
            target: target.name,
          });
        }
      }
    });
  }
  return cells;
}

function allFixtureRows(target: Target): FixtureRow[] {
  return [...target.fixtures.values()].flat();
}

function roleOf(actor: AuditActor): 'anon' | 'authenticated' | 'service_role' {
  return actor.role;
}

/** Every row the actor can see, as text, scanned for other artists' canaries (views and tables without a known owner included). */
function scanSql(target: Target, actor: AuditActor): string | undefined {
  const cols = selectableColumns(target.rel, roleOf(actor));
  if (!cols.length) return undefined;
  const list = cols.map((c) => `t.${ident(c)}`).join(', ');
  return `(select coalesce(string_agg(r::text, E'\n'), '') from (select ${list} from ${table(target)} t${target.filter ? ` where ${target.filter}` : ''} limit 2000) r)`;
}

function leakFinding(
  ctx: MatrixContext,
  target: Target,
  pair: Pairing,
  op: string,
  leaked: string[],
  how: string,
): void {
  const storage = target.bucket ? 'storage' : 'isolation';
  const isPublicListing = target.bucket?.public && op === 'select';
  report(ctx, {
    area: 'isolation',
    id: isPublicListing ? 'storage.public_bucket_listing' : `${storage}.cross_tenant_read`,
    level: 'error',
    object: target.name,
    actor: pair.actor.key,
    operation: op,
    expected: 'nothing of another artist',
    actual: `${how}: ${leaked.slice(0, 2).join(', ')}`,
    message: `${pair.actor.key === 'anon' ? 'anon' : `an artist (${pair.actor.key})`} sees another artist's data in ${target.name} (${how})`,
    hint:
      target.rel.kind === 'v'
        ? "Make the view security_invoker (ALTER VIEW ... SET (security_invoker = true)) and check every function it calls: the caller's RLS must apply."
        : `Scope the SELECT policy TO authenticated to the owner (${target.tenancy?.column ?? 'owner'} = (select auth.uid())), and check the policy's AND/OR precedence and every value-dependent branch.`,
  });
}

async function probeSelect(
  ctx: MatrixContext,
  target: Target,
  pair: Pairing,
  actor: AuditActor = pair.actor,
): Promise<Outcome> {
  const t = table(target);
  const scan = pair.actor.role === 'service_role' ? undefined : scanSql(target, actor);
  const scanLeaks = (seen: string | undefined, op = 'select') => {
    const leaked = ctx.canaries.foreign(seen, selfKeys(pair));
    if (leaked.length) leakFinding(ctx, target, pair, op, leaked, "rows it can select hold other artists' values");
  };
  if (!target.tenancy) {
    const rows = allFixtureRows(target);
    if (rows.length && target.rel.primaryKey?.length) {
      const key = keyMatch(target, rows);
      const result = await ctx.session.run(actor, {
        sql: `select count(*)::int as n${scan ? `, ${scan} as seen` : ''} from ${t} t where ${where(target, key.sql)}`,
        params: key.params,
        returns: 'rows',
        method: 'GET',
      });
      if (result.ok) scanLeaks(text(result.rows[0], 'seen'));
      return outcomeOf(result, (r) => ({ kind: 'rows', n: num(r.rows[0], 'n') }));
    }
    const result = await ctx.session.run(actor, {
      sql: `select ${scan ?? '1'} as seen from (select 1 from ${t} t${target.filter ? ` where ${target.filter}` : ''} limit 1) s`,
      returns: 'rows',
      method: 'GET',
    });
    if (result.ok) scanLeaks(scan ? (text(result.rows[0], 'seen') ?? '') : undefined);
    return outcomeOf(result, () => ({ kind: 'ok' }));
  }
  const everyone = ctx.fixtures.artists.map((a) => a.id);
  const own = selfIds(pair);
  const others = everyone.filter((id) => !own.includes(id));
  const m = target.tenancy.match.bind(target.tenancy);
  const query = `select
      (select count(*)::int from ${t} t where ${where(target, m('$1'))}) as own,
      (select count(*)::int from ${t} t where ${where(target, m('$2'))}) as other,
      exists (select 1 from ${t} t where ${where(target, `not coalesce(${m('$3')}, false)`)}) as foreign${scan ? `, ${scan} as seen` : ''}`;
  const result = await ctx.session.run(actor, {
    sql: query,
    params: [own, others, everyone],
    returns: 'rows',
    method: 'GET',
  });
  if (!result.ok && result.code === '42501' && pair.actor.role !== 'service_role') {
    // No SELECT on the owner column: count what shows at all, and scan it.
    const fallback = await ctx.session.run(actor, {
      sql: `select count(*)::int as n${scan ? `, ${scan} as seen` : ''} from (select 1 from ${t} t${target.filter ? ` where ${target.filter}` : ''} limit 1000) s`,
      returns: 'rows',
      method: 'GET',
    });
    if (fallback.ok) {
      scanLeaks(text(fallback.rows[0], 'seen'));
      return { kind: 'visible', own: num(fallback.rows[0], 'n'), other: 0, foreign: false, keyed: false };
    }
  }
  if (result.ok) scanLeaks(text(result.rows[0], 'seen'));
  return outcomeOf(result, ({ rows: [r] }) => ({
    kind: 'visible',
    own: num(r, 'own'),
    other: num(r, 'other'),
    foreign: r?.foreign === true,
    keyed: true,
  }));
}

async function probeRead(ctx: MatrixContext, target: Target, pair: Pairing, col: Column): Promise<Outcome> {
  const owner = pair.self ?? pair.other;
  const rows = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  const key = keyMatch(target, rows);
  const result = await ctx.session.run(pair.actor, {
    sql: `select t.${ident(col.name)} from ${table(target)} t where ${where(target, key.sql)}`,
    params: key.params,
    returns: 'rows',
    method: 'GET',
  });
  return outcomeOf(result, (r) => ({ kind: 'rows', n: r.rows.length }));
}

function ownerKey(ctx: MatrixContext, artist: FixtureArtist): string {
  return ctx.fixtures.artists.find((a) => a.id === artist.id)!.key;
}

/** A value a client might try to give itself: the last CHECK value, a large number, a far date, true. */
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
      return col.baseType === 'date'
        ? { sql: 'current_date + 3650', text: null }
        : { sql: `(now() + interval '10 years')::${col.type}`, text: null };
    default:
      return plainValue(rel, col, marker) ?? { sql: 'null', text: null };
  }
}

/**
 * The side effects of a probe become findings: a digest step before it (unless this actor's is
 * known), one after it (only when it changed rows), compared once the probe is back.
 */
export function effectsCheck(
  ctx: MatrixContext,
  object: string,
  pair: Pairing,
  op: string,
  ignoreOwn: string | undefined,
  cacheKey: string = pair.actor.key,
) {
  if (pair.actor.role === 'service_role') return undefined;
  const self = selfIds(pair);
  const others = ctx.fixtures.artists.map((a) => a.id).filter((id) => !self.includes(id));
  const step = ctx.effects.step(others, self);
  return {
    /**
     * The state before the probe; a probe's own set-up (deleting its rows to make room) is the same
     * every time, so cached under its key, and measured once by the first probe to ask.
     */
    prepare: (): ProbeStep[] => (ctx.effects.claim(cacheKey) ? [{ name: 'effects', ...step }] : []),
    /** Nothing written, nothing triggered (row triggers fire per row; errors roll back). */
    after: (): ProbeStep[] => [{ name: 'effects', ...step, ifWritten: true, ifPrepared: true }],
    /** Reports what moved; the number of tables that did. */
    check: (run: ProbeRun): number => {
      const measured = run.prepared?.effects;
      const base =
        ctx.effects.cached(cacheKey) ??
        (Array.isArray(measured) ? ctx.effects.remember(cacheKey, measured) : ctx.effects.unclaim(cacheKey));
      if (run.prepared === null) return 0;
      const now = run.after.effects;
      if (!run.ok || !base || !Array.isArray(now)) return 0;
      const changes = ctx.effects.changes(base, now, ignoreOwn);
      for (const change of changes) sideEffectFinding(ctx, object, pair.actor.key, op, change);
      return changes.length;
    },
  };
}

export function sideEffectFinding(
  ctx: Pick<MatrixContext, 'findings'>,
  source: string,
  actor: string,
  probe: string,
  change: { table: string; whose: 'other' | 'own' },
): void {
  // The finding names what changed; the probe that changed it is its operation.
  const object = change.table;
  const op = `${probe} on ${source}`;
  const isFunction = source.includes('(');
  if (change.whose === 'other') {
    report(ctx, {
      area: 'isolation',
      id: isFunction ? 'function.cross_tenant_write' : 'isolation.cross_tenant_side_effect',
      level: 'error',
      object: isFunction ? source : object,
      actor,
      operation: op,
      expected: "no change to other artists' rows",
      actual: `${change.table}: rows of another artist changed`,
      message: `${probe} on ${source} as ${actor} changes another artist's rows in ${change.table} (a trigger, rule or SECURITY DEFINER function writes across tenants)`,
      hint: `Make the trigger or function act only on the caller's rows (NEW.<owner> / (select auth.uid())), or SECURITY INVOKER so RLS applies; check the triggers on ${source} and ${change.table} and any function they call.`,
    });
  } else {
    report(ctx, {
      area: 'isolation',
      id: isFunction ? 'function.server_owned_changed' : 'isolation.server_owned_changed',
      level: 'error',
      object: isFunction ? source : object,
      actor,
      operation: op,
      expected: 'server-owned values change only by the server',
      actual: `${change.table}: the actor's own server-owned values changed`,
      message: `${probe} on ${source} as ${actor} changes its own server-owned data in ${change.table}: the client awards itself what only the server may give`,
      hint: `Move the award to the server (service_role), or make the trigger check what it grants; if ${change.table} is derived on purpose, list its columns in audit.columns.derived.`,
    });
  }
}

async function probeInsert(
  ctx: MatrixContext,
  target: Target,
  pair: Pairing,
  owner: FixtureArtist,
  elevate?: Column,
  guess = false,
  forced?: Value,
): Promise<Outcome> {
  let n = 0;
  const actor = pair.actor;
  const membership = ctx.config.tenant.membership;
  const isMembership = membership && (target.rel.parent ?? fullName(target.rel)) === membership.table;
  // Joining another tenant: their tenant id with the actor's own user id.
  const asOwner = isMembership && owner !== pair.self && pair.actor.sub ? { ...owner, sub: pair.actor.sub } : owner;
  const guessed = guess ? { ...asOwner, email: `guess-${randomUUID().slice(0, 8)}@dreamdb-audit.invalid` } : asOwner;
  const plan = planRow(target, {
    owner: guessed,
    config: ctx.config,
    byName: ctx.byName,
    rowsOf: (relation, artistKey) => ctx.targets.find((t) => t.name === relation)?.fixtures.get(artistKey),
    minimal: true,
    marker: () => `audit-${ctx.fixtures.run}-${owner.letter.toLowerCase()}-new-${(n += 1)}`,
  });
  if (target.bucket) {
    plan.columns.splice(0, plan.columns.length, 'bucket_id', 'name');
    plan.values.splice(
      0,
      plan.values.length,
      { sql: literal(target.bucket.id), text: target.bucket.id },
      { sql: literal(`${owner.id}/audit-${ctx.fixtures.run}-new.png`), text: null },
    );
  }
  if (elevate) {
    const value =
      forced ??
      (isServerOwned(ctx.config, target.rel, elevate.name) || elevate.category !== 'S'
        ? elevatedValue(target.rel, elevate, `audit-${ctx.fixtures.run}-elevated`)
        : (plainValue(target.rel, elevate, `audit-${ctx.fixtures.run}-col`) ?? { sql: 'null', text: null }));
    const index = plan.columns.indexOf(elevate.name);
    if (index >= 0) plan.values[index] = value;
    else {
      plan.columns.push(elevate.name);
      plan.values.push(value);
    }
  }
  if (owner !== pair.self && pair.self && !target.bucket) {
    // Their row, linked to me: every other column naming a tenant or a user gets the actor's own id
    // (a collaboration "with" them, a manager row for their account).
    const fks =
      (target.rel.isPartition ? ctx.byName.get(target.rel.parent ?? '')?.foreignKeys : target.rel.foreignKeys) ?? [];
    for (const fk of fks) {
      const col = fk.columns.length === 1 ? fk.columns[0]! : undefined;
      if (!col || col === target.tenancy?.column) continue;
      const id =
        fk.references === 'auth.users'
          ? pair.actor.sub
          : fk.references === ctx.config.tenant.root
            ? pair.self.id
            : undefined;
      if (!id) continue;
      // A column the client may not send is filled by its default (auth.uid(), typically).
      if (
        pair.actor.role !== 'service_role' &&
        !target.rel.columns.find((c) => c.name === col)?.grants?.[pair.actor.role === 'anon' ? 'anon' : 'authenticated']
          ?.insert
      )
        continue;
      const type = target.rel.columns.find((c) => c.name === col)?.type ?? 'uuid';
      const i = plan.columns.indexOf(col);
      const value = { sql: `${literal(id)}::${type}`, text: id };
      if (i >= 0) plan.values[i] = value;
      else {
        plan.columns.push(col);
        plan.values.push(value);
      }
    }
  }
  if (!guess && owner !== pair.self) {
    // Another artist's real values where the row is theirs to hold (their email, their unique keys): compared with guessed ones below.
    const theirs = target.fixtures.get(ownerKey(ctx, owner))?.[0];
    for (const u of target.rel.uniques ?? []) {
      for (const c of u.columns) {
        const i = plan.columns.indexOf(c);
        const v = theirs?.values[c];
        if (v != null && i >= 0)
          plan.values[i] = { sql: `${literal(v)}::${target.rel.columns.find((x) => x.name === c)!.type}`, text: v };
      }
    }
  }
  // The owner's fixture rows make room (unique keys per artist, one profile per user).
  const own = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  const effects = guess
    ? undefined
    : effectsCheck(
        ctx,
        target.name,
        pair,
        elevate
          ? `insert own ${forced ? '->other ' : '+'}${elevate.name}`
          : owner === pair.self
            ? 'insert own'
            : 'insert other',
        target.rel.parent ?? fullName(target.rel),
        own.length > 0 ? `${pair.actor.key}|without ${target.name}` : undefined,
      );
  // A trigger may overwrite what the client sent: the column counts as written only if the value stuck.
  const stuck =
    elevate && target.tenancy ? stuckSql(target, elevate, plan.values[plan.columns.indexOf(elevate.name)]!) : undefined;
  const prepare: ProbeStep[] = [];
  if (own.length) {
    const key = keyMatch(target, own);
    prepare.push({
      name: 'room',
      sql: `delete from ${table(target)} t where ${key.sql}`,
      params: key.params,
      returns: 'count',
      replicaFallback: true,
    });
  }
  prepare.push(...(effects?.prepare() ?? []));
  // The owner's rows of this table were just deleted: none holds the value yet (unless they could not be).
  if (stuck && !own.length) prepare.push(stuckStep(stuck, owner));
  const result = await ctx.session.run(actor, {
    sql: insertSql(target, plan, []),
    returns: 'count',
    prepare,
    after: [...(effects?.after() ?? []), ...(stuck ? [stuckStep(stuck, owner, { ifWritten: true })] : [])],
  });
  effects?.check(result);
  if (result.ok && stuck && result.count > 0) {
    const before = num(firstRow(result.prepared?.stuck), 'n');
    if (!(num(firstRow(result.after.stuck), 'n') > before)) result.count = 0;
  }
  if (!result.ok) {
    const leaked = ctx.canaries.foreign(
      `${result.message} ${result.detail ?? ''}`,
      selfKeys(pair),
      plan.values.map((v) => v.text),
    );
    if (leaked.length)
      leakFinding(ctx, target, pair, 'insert (error message)', leaked, "an error message names other artists' values");
  }
  const outcome = outcomeOf(result, (r) => ({ kind: 'rows', n: r.count }));
  if (
    !guess &&
    !elevate &&
    owner !== pair.self &&
    pair.actor.role === 'authenticated' &&
    (target.rel.triggers || (target.rel.uniques ?? []).length > 0)
  ) {
    const other = await probeInsert(ctx, target, pair, owner, undefined, true);
    const sig = (o: Outcome) => `${formatOutcome(o)} ${o.kind === 'error' ? blankValues(o.message) : ''}`;
    if (sig(other) !== sig(outcome)) {
      report(ctx, {
        area: 'isolation',
        id: 'isolation.error_oracle',
        level: 'warn',
        object: target.name,
        actor: pair.actor.key,
        operation: "insert another artist's row: its real values vs guessed ones",
        expected: 'the same answer whether the guessed values are right or wrong',
        actual: `${short(sig(outcome))} vs ${short(sig(other))}`,
        message: `writing a row for another artist answers differently for their real values than for guessed ones in ${target.name}: a client can test whether a value (an email, a key) belongs to someone`,
        hint: "Refuse the same way before looking at the values: check the owner first (in the trigger: raise the same error when NEW.<owner> is not (select auth.uid())), and never let a trigger or constraint answer about other tenants' data.",
      });
    }
  }
  return outcome;
}

/** Rows of the owner ($1) holding the value: did a write of it stick, or did a trigger put something else there? */
function stuckSql(target: Target, col: Column, value: Value): string {
  return `select count(*)::int as n from ${table(target)} t where ${where(target, target.tenancy!.match('$1'))} and t.${ident(col.name)} is not distinct from (${value.sql})`;
}

/** The step that counts the owner's rows holding the value (stuckSql), before or after the write. */
function stuckStep(sql: string, owner: FixtureArtist, options: { ifWritten?: boolean } = {}): ProbeStep {
  return { name: 'stuck', sql, params: [[owner.id]], ...options };
}

function blankValues(message: string): string {
  return message.replace(/"[^"]*"|'[^']*'|\([^)]*\)=\([^)]*\)|[0-9a-f-]{36}|\S+@\S+/g, '<v>');
}

function short(text: string): string {
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

async function probeUpdate(
  ctx: MatrixContext,
  target: Target,
  pair: Pairing,
  owner: FixtureArtist,
  col: Column,
): Promise<Outcome> {
  const rows = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  if (!rows.length) return { kind: 'rows', n: 0 };
  const other = pair.other;
  let value: Value;
  if (col.name === target.tenancy?.column) {
    // Moving one's own row to another artist is a write on their behalf.
    value = {
      sql: `${literal(owner.id === other.id ? ctx.fixtures.artists.find((a) => a.id !== owner.id)!.id : other.id)}::${col.type}`,
      text: null,
    };
  } else if (isServerOwned(ctx.config, target.rel, col.name)) {
    value = elevatedValue(target.rel, col, `audit-${ctx.fixtures.run}-elevated`);
  } else {
    const known = rows[0]!.values[col.name];
    // A flag is set to true on every row (the fixtures vary it): a trigger reacting to the change (a task completed) fires.
    value =
      col.category === 'B'
        ? { sql: 'true', text: 'true' }
        : known !== undefined && known !== null
          ? { sql: `${literal(known)}::${col.type}`, text: known }
          : (plainValue(target.rel, col, `audit-${ctx.fixtures.run}-upd`, 1) ?? { sql: 'null', text: null });
  }
  const key = keyMatch(target, rows);
  const op = `update ${owner === pair.self ? 'own' : 'other'} ${col.name}`;
  const effects = owner === pair.self ? effectsCheck(ctx, target.name, pair, op, undefined) : undefined;
  const stuck =
    owner === pair.self && col.name !== target.tenancy?.column && isServerOwned(ctx.config, target.rel, col.name)
      ? stuckSql(target, col, value)
      : undefined;
  const result = await ctx.session.run(pair.actor, {
    sql: `update ${table(target)} t set ${ident(col.name)} = ${value.sql} where ${where(target, key.sql)}`,
    params: key.params,
    returns: 'count',
    prepare: effects?.prepare() ?? [],
    after: [...(effects?.after() ?? []), ...(stuck ? [stuckStep(stuck, owner, { ifWritten: true })] : [])],
  });
  effects?.check(result);
  // Stuck: every row the update touched holds the value now (a trigger did not put something else back).
  if (result.ok && stuck && result.count > 0 && !(num(firstRow(result.after.stuck), 'n') >= result.count))
    result.count = 0;
  return outcomeOf(result, (r) => ({ kind: 'rows', n: r.count }));
}

async function probeDelete(ctx: MatrixContext, target: Target, pair: Pairing, owner: FixtureArtist): Promise<Outcome> {
  const rows = target.fixtures.get(ownerKey(ctx, owner)) ?? [];
  if (!rows.length) return { kind: 'rows', n: 0 };
  const key = keyMatch(target, rows);
  const op = `delete ${owner === pair.self ? 'own' : 'other'}`;
  // Deleting one's own rows cascades to one's other rows: only other artists' rows are compared.
  const effects = owner === pair.self ? effectsCheck(ctx, target.name, pair, op, '*') : undefined;
  const result = await ctx.session.run(pair.actor, {
    sql: `delete from ${table(target)} t where ${where(target, key.sql)}`,
    params: key.params,
    returns: 'count',
    prepare: effects?.prepare() ?? [],
    after: effects?.after() ?? [],
  });
  effects?.check(result);
  return outcomeOf(result, (r) => ({ kind: 'rows', n: r.count }));
}

/** An UPDATE (of one column) or DELETE with no WHERE at all; the outcome counts the other artists' rows it changed. */
async function probeUnfiltered(ctx: MatrixContext, target: Target, pair: Pairing, col?: Column): Promise<Outcome> {
  const self = selfIds(pair);
  const others = ctx.fixtures.artists.map((a) => a.id).filter((id) => !self.includes(id));
  const state = `select count(*)::int as n, coalesce(md5(string_agg(md5(t::text), ',' order by md5(t::text))), '') as h from ${table(target)} t where ${target.tenancy!.match('$1')}`;
  let value: Value | undefined;
  if (col) {
    const known = (target.fixtures.get(pair.self?.key ?? '') ?? [])[0]?.values[col.name];
    value =
      col.name === target.tenancy?.column
        ? { sql: `${literal(pair.other.id)}::${col.type}`, text: null }
        : known != null
          ? { sql: `${literal(known)}::${col.type}`, text: known }
          : (plainValue(target.rel, col, `audit-${ctx.fixtures.run}-unf`, 1) ?? { sql: 'null', text: null });
  }
  const statement = col
    ? `update ${table(target)} set ${ident(col.name)} = ${value!.sql}`
    : `delete from ${table(target)}`;
  const result = await ctx.session.run(pair.actor, {
    sql: statement,
    returns: 'count',
    prepare: [{ name: 'state', sql: state, params: [others] }],
    after: [{ name: 'state', sql: state, params: [others], ifWritten: true, ifPrepared: true }],
  });
  const before = firstRow(result.prepared?.state);
  const now = firstRow(result.after.state);
  // Moving rows to another artist raises their count; deleting or rewriting theirs changes the digest.
  const moved =
    before && now && (num(now, 'n') !== num(before, 'n') || now.h !== before.h)
      ? Math.max(1, Math.abs(num(now, 'n') - num(before, 'n')))
      : 0;
  return outcomeOf(result, () => ({ kind: 'rows', n: moved }));
}

/** Object names a client might try: another artist's folder holding its own id, its id deeper in the path, a prefix of another id. */
async function probeObjectNames(
  ctx: MatrixContext,
  target: Target,
  pair: Pairing,
  add: (actor: AuditActor, op: string, outcome: Outcome) => void,
): Promise<void> {
  const self = pair.self!;
  const other = pair.other;
  const names: [string, string][] = [
    ['insert other folder+own id', `${other.id}/${self.id}.png`],
    ['insert other folder+own folder', `${other.id}/${self.id}/x.png`],
    ['insert other folder+dotdot', `${other.id}/../${self.id}/x.png`],
    ['insert other folder+own prefix', `${other.id}/${self.id.slice(0, 8)}`],
  ];
  for (const [op, name] of names) {
    const result = await ctx.session.run(pair.actor, {
      sql: `insert into storage.objects (bucket_id, name) values (${literal(target.bucket!.id)}, ${literal(name)})`,
      returns: 'count',
    });
    add(
      pair.actor,
      op,
      outcomeOf(result, (r) => ({ kind: 'rows', n: r.count })),
    );
  }
  const own = target.fixtures.get(self.key) ?? [];
  if (own.length) {
    const key = keyMatch(target, own);
    const result = await ctx.session.run(pair.actor, {
      sql: `update storage.objects t set name = ${literal(`${other.id}/moved-${self.id}.png`)} where ${where(target, key.sql)}`,
      params: key.params,
      returns: 'count',
    });
    add(
      pair.actor,
      'update other folder (move own object)',
      outcomeOf(result, (r) => ({ kind: 'rows', n: r.count })),
    );
  }
}

/** Keys of client-controlled inputs (request headers, user_metadata) a policy reads. */
export function clientInputs(text: string | null): { headers: string[]; metadata: string[] } {
  const headers = new Set<string>();
  const metadata = new Set<string>();
  if (!text) return { headers: [], metadata: [] };
  for (const m of text.matchAll(/request\.headers'[^)]*\)\)?(?:::jsonb?)?\)?\s*->>?\s*'([^']+)'/g)) headers.add(m[1]!);
  for (const m of text.matchAll(/user_metadata'(?:::text)?\)?\s*->>?\s*'([^']+)'/g)) metadata.add(m[1]!);
  for (const m of text.matchAll(/request\.header\.([a-z0-9_-]+)/gi)) headers.add(m[1]!);
  if (/request\.headers/.test(text) && !headers.size) headers.add('x-artist-id');
  if (/user_metadata/.test(text) && !metadata.size) metadata.add('role');
  return { headers: [...headers], metadata: [...metadata] };
}

/** The same reads and writes with hostile client-controlled inputs (headers, user_metadata) set to another artist's id and to role words. */
async function probeClientInputs(
  ctx: MatrixContext,
  target: Target,
  pair: Pairing,
  add: (actor: AuditActor, op: string, outcome: Outcome) => void,
): Promise<void> {
  if (pair.actor.role === 'service_role') return;
  const inputs = clientInputs(target.rel.policyText ?? ctx.byName.get(target.rel.parent ?? '')?.policyText ?? null);
  if (!inputs.headers.length && !inputs.metadata.length) return;
  for (const value of [pair.other.id, 'service_role', 'admin', 'true']) {
    const metadata = Object.fromEntries(inputs.metadata.map((k) => [k, value]));
    const claims =
      pair.actor.role === 'anon'
        ? JSON.parse(pair.actor.claims)
        : { ...JSON.parse(pair.actor.claims), user_metadata: metadata };
    const hostile: AuditActor = {
      ...pair.actor,
      claims: JSON.stringify(claims),
      headers: JSON.stringify(Object.fromEntries(inputs.headers.map((k) => [k, value]))),
    };
    const op = `select with hostile ${[...inputs.headers.map((h) => `header ${h}`), ...inputs.metadata.map((m) => `user_metadata.${m}`)].join(', ')}=${value === pair.other.id ? "other's id" : value}`;
    const outcome = await probeSelect(ctx, target, pair, hostile);
    add(pair.actor, op, outcome);
    if (outcome.kind === 'visible' && (outcome.other > 0 || outcome.foreign)) {
      report(ctx, {
        area: 'isolation',
        id: 'isolation.client_input_trusted',
        level: 'error',
        object: target.name,
        actor: pair.actor.key,
        operation: op,
        expected: 'client-set headers and user_metadata change nothing',
        actual: "another artist's rows become visible",
        message: `a policy on ${target.name} trusts a value the client controls (${[...inputs.headers, ...inputs.metadata].join(', ')}): setting it lets an artist read other artists' rows`,
        hint: 'Decide access from auth.uid() (or app_metadata, which only the server writes) and membership tables; never from request headers or user_metadata.',
      });
    }
    const rows = pair.other && target.writable ? (target.fixtures.get(pair.other.key) ?? []) : [];
    if (rows.length) {
      const key = keyMatch(target, rows);
      const del = await ctx.session.run(hostile, {
        sql: `delete from ${table(target)} t where ${where(target, key.sql)}`,
        params: key.params,
        returns: 'count',
      });
      const o = outcomeOf(del, (r) => ({ kind: 'rows', n: r.count }));
      add(pair.actor, `delete other with hostile inputs=${value === pair.other.id ? "other's id" : value}`, o);
      if (o.kind === 'rows' && o.n > 0) {
        report(ctx, {
          area: 'isolation',
          id: 'isolation.client_input_trusted',
          level: 'error',
          object: target.name,
          actor: pair.actor.key,
          operation: `delete other with hostile inputs`,
          expected: 'client-set headers and user_metadata change nothing',
          actual: "another artist's rows deleted",
          message: `a policy on ${target.name} trusts a value the client controls (${[...inputs.headers, ...inputs.metadata].join(', ')}): setting it lets an artist delete other artists' rows`,
          hint: 'Decide access from auth.uid() (or app_metadata, which only the server writes) and membership tables; never from request headers or user_metadata.',
        });
      }
    }
  }
}

export { fullName };
