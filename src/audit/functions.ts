/**
 * Every function anon or authenticated may execute, called as each artist with its own ids, with
 * another artist's ids, with nulls and with garbage (and as anon with artist A's ids). A call must
 * return none of the other artists' fixture values and change none of their rows; calling with
 * another artist's id and with an id that exists nowhere must look the same.
 */
import { randomUUID } from 'node:crypto';
import { allowedValues, isServerOwned, type FunctionInfo, type Relation } from './catalog.js';
import type { FixtureArtist } from './fixtures.js';
import { effectsCheck, pairings, selfKeys, type MatrixContext } from './matrix.js';
import type { Cell, Finding, Outcome } from './model.js';
import { MAX_PARAMS, type AuditActor } from './session.js';
import { literal, qualified } from './sqlfiles.js';

type ArgSet = 'own' | 'other' | 'absent' | 'null' | 'garbage' | 'hostile';

interface Call {
  outcome: Outcome;
  result?: string;
  /** The error's message and detail. */
  error?: string;
  args: (string | null)[];
}

export async function probeFunctions(
  ctx: MatrixContext,
  functions: FunctionInfo[],
  onProgress: (text: string) => void,
  guard?: (object: string, fn: () => Promise<void>) => Promise<void>,
): Promise<{ cells: Cell[]; findings: Finding[] }> {
  const cells: Cell[] = [];
  const findings: Finding[] = [];
  if (!functions.length) return { cells, findings };
  const flag = (f: Finding) => {
    if (!findings.some((x) => x.id === f.id && x.object === f.object)) findings.push(f);
  };
  for (const fn of functions) {
    onProgress(`calling ${fn.signature}`);
    const run = guard ?? (async (_o: string, f: () => Promise<void>) => f());
    await run(`fn ${fn.signature}`, async () => {
      for (const pair of pairings(ctx).filter((p) => p.actor.role !== 'service_role')) {
        const self = pair.self;
        const calls = new Map<ArgSet, Call>();
        // `absent`: the same arguments as `other`, every id of the other artist swapped for one that exists nowhere.
        const swap = new Map(idsOf(ctx, pair.other).map((id) => [id, randomUUID()]));
        // The calls are independent (each is rolled back): started together, they go as one batch.
        const started = (
          (self
            ? ['own', 'other', 'absent', 'null', 'garbage', 'hostile']
            : ['other', 'absent', 'null', 'garbage', 'hostile']) as ArgSet[]
        ).map((set) => {
          const owner = set === 'own' || (set === 'hostile' && self) ? self! : pair.other;
          const args = fn.argTypes.map((type, i) => {
            const value = argumentFor(ctx, fn.argNames[i] ?? '', type, set === 'absent' ? 'other' : set, owner);
            return set === 'absent' && value !== null ? replaceAll(value, swap) : value;
          });
          const effects = effectsCheck(ctx, fn.signature, pair, `execute ${set}`, undefined);
          const call = callAs(ctx, fn, pair.actor, args, effects);
          call.catch(() => {});
          return { set, args, call };
        });
        for (const { set, args, call: pending } of started) {
          const call = await pending;
          calls.set(set, call);
          cells.push({
            relation: `fn ${fn.signature}`,
            actor: pair.actor.key,
            op: `execute ${set}`,
            outcome: call.outcome,
          });
          const leaked = ctx.canaries.foreign(`${call.result ?? ''}\n${call.error ?? ''}`, selfKeys(pair), args);
          if (leaked.length) {
            flag({
              area: 'isolation',
              id: 'function.cross_tenant_read',
              level: 'error',
              object: fn.signature,
              actor: pair.actor.key,
              operation: `execute ${set}`,
              expected: "no other artist's data",
              actual: `${call.result ? 'returned' : 'its error names'} ${leaked.slice(0, 3).join(', ')}`,
              message: `${fn.signature} called as ${pair.actor.key} (${describeArgs(args)}) ${call.result ? 'returns' : 'names in its error'} another artist's data`,
              hint: fn.securityDefiner
                ? 'Make it SECURITY INVOKER so RLS applies, or check the argument against (select auth.uid()) before reading; never build SQL from a text argument (format %L / parameters).'
                : "It runs as the caller, so look at what it calls: a SECURITY DEFINER helper, a view without security_invoker, or dynamic SQL built from an argument bypasses the caller's RLS.",
            });
          }
        }
        // A text argument that names a column (an "update one field" RPC): the root's server-owned columns, at the value a client would want.
        if (self && pair.actor === ctx.actors.artists[0]) {
          const textParams = fn.argTypes
            .map((t, i) => (/^(text|character varying|varchar|name)/.test(t) ? i : -1))
            .filter((i) => i >= 0);
          const root = ctx.byName.get(ctx.config.tenant.root);
          const columns = textParams.length
            ? (root?.columns ?? [])
                .filter((c) => isServerOwned(ctx.config, root!, c.name) && allowedValues(root!, c.name)?.length)
                .slice(0, 2)
            : [];
          for (const col of columns) {
            const values = allowedValues(root!, col.name)!;
            const args = fn.argTypes.map((type, i) => {
              const at = textParams.indexOf(i);
              if (at === 0) return col.name;
              if (at === 1) return values[values.length - 1]!;
              return argumentFor(ctx, fn.argNames[i] ?? '', type, 'own', self);
            });
            const effects = effectsCheck(ctx, fn.signature, pair, `execute column ${col.name}`, undefined);
            const call = await callAs(ctx, fn, pair.actor, args, effects);
            cells.push({
              relation: `fn ${fn.signature}`,
              actor: pair.actor.key,
              op: `execute column ${col.name}`,
              outcome: call.outcome,
            });
          }
        }
        const other = calls.get('other');
        const absent = calls.get('absent');
        // Ids echoed back from the arguments say nothing; compare with them blanked out.
        const blank = (call: Call, ids: string[]) =>
          ids.reduce((text, id) => text.split(id).join('<id>'), signature(call));
        if (other && absent && blank(other, [...swap.keys()]) !== blank(absent, [...swap.values()])) {
          flag({
            area: 'isolation',
            id: 'function.existence_oracle',
            level: 'warn',
            object: fn.signature,
            actor: pair.actor.key,
            operation: 'execute other vs garbage',
            expected: "the same answer for another artist's id as for an id that exists nowhere",
            actual: `${short(signature(other))} vs ${short(signature(absent))}`,
            message: `${fn.signature} answers differently for another artist's id than for a random one: it tells a caller what exists`,
            hint: 'Return the same result (or raise the same error, with the same message) whether the row exists but is not yours or does not exist at all.',
          });
        }
      }
    });
  }
  return { cells, findings };
}

function short(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function replaceAll(text: string, swap: Map<string, string>): string {
  let out = text;
  for (const [from, to] of swap) out = out.split(from).join(to);
  return out;
}

/** The artist's id and the primary keys of its fixture rows. */
function idsOf(ctx: MatrixContext, artist: FixtureArtist): string[] {
  const ids = new Set([artist.id]);
  for (const t of ctx.targets)
    for (const row of t.fixtures.get(artist.key) ?? [])
      for (const k of row.key) if (/^[0-9a-f-]{36}$/.test(k)) ids.add(k);
  return [...ids];
}

function signature(call: Call): string {
  return call.outcome.kind === 'error'
    ? `error:${call.outcome.code} ${call.outcome.message}`
    : `ok:${call.result ?? ''}`;
}

function describeArgs(args: (string | null)[]): string {
  return args.map((a) => (a === null ? 'null' : a.length > 40 ? `${a.slice(0, 37)}...` : a)).join(', ');
}

async function callAs(
  ctx: MatrixContext,
  fn: FunctionInfo,
  actor: AuditActor,
  args: (string | null)[],
  effects: ReturnType<typeof effectsCheck>,
): Promise<Call> {
  // Arguments travel as parameters; past what a probe statement binds, as literals.
  const inline = args.length > MAX_PARAMS;
  const params = fn.argTypes
    .map((type, i) => `${inline ? (args[i] === null ? 'null' : literal(args[i]!)) : `$${i + 1}`}::${type}`)
    .join(', ');
  const callee = `${qualified(fn.schema, fn.name)}(${params})`;
  const query = fn.returnsSet
    ? `select coalesce(json_agg(x), '[]')::text as r from ${callee} x`
    : `select (${callee})::text as r`;
  const result = await ctx.session.run(actor, {
    sql: query,
    params: inline ? [] : args,
    returns: 'rows',
    prepare: effects?.prepare() ?? [],
    after: effects?.after() ?? [],
  });
  effects?.check(result);
  if (!result.ok) {
    return {
      outcome: {
        kind: 'error',
        code: result.code,
        message: result.message,
        ...(result.where ? { where: result.where } : {}),
      },
      args,
      error: `${result.message}\n${result.detail ?? ''}`,
    };
  }
  const r = result.rows[0]?.r;
  return { outcome: { kind: 'ok' }, result: r === null || r === undefined ? '' : String(r), args };
}

/** An argument for the parameter: the owner's id (or row id, or object name), a CHECK value, or garbage. */
function argumentFor(ctx: MatrixContext, name: string, type: string, set: ArgSet, owner: FixtureArtist): string | null {
  if (set === 'null') return null;
  const bare = name.replace(/^(p|in|arg)_/, '').toLowerCase();
  const isUuid = type === 'uuid';
  const isText = /^(text|character varying|varchar|name)/.test(type);
  if (set === 'hostile' && isText) return "x' or true --";
  if (set === 'garbage') {
    if (isUuid) return randomUUID();
    if (isText) return `' or 1=1 -- ${'x'.repeat(300)}`;
    if (/int|numeric|real|double/.test(type)) return '-1';
    if (type === 'boolean') return 'false';
    if (type === 'date' || type.startsWith('timestamp')) return '1900-01-01';
    if (type === 'json' || type === 'jsonb') return '{"garbage": true}';
    return null;
  }
  const rowId = rowIdFor(ctx, bare, owner);
  if (isUuid) return rowId ?? owner.id;
  if (isText) {
    if (/(^|_)id$/.test(bare)) return rowId ?? owner.id;
    if (/path|name|object|file|key/.test(bare)) return objectName(ctx, owner) ?? owner.id;
    return valueFromColumns(ctx.byName, bare) ?? owner.id;
  }
  if (/int|numeric|real|double/.test(type)) return '1';
  if (type === 'boolean') return 'true';
  if (type === 'date') return new Date().toISOString().slice(0, 10);
  if (type.startsWith('timestamp')) return new Date().toISOString();
  if (type === 'json' || type === 'jsonb') return '{}';
  return null;
}

/** p_task_id -> the owner's fixture row id in a table named task(s). */
function rowIdFor(ctx: MatrixContext, bare: string, owner: FixtureArtist): string | undefined {
  const match = /^(.*)_id$/.exec(bare);
  if (!match || ctx.config.tenant.ownerColumns.includes(bare)) return undefined;
  const stem = match[1]!;
  const target = ctx.targets.find(
    (t) =>
      !t.rel.isPartition &&
      !t.bucket &&
      (t.rel.name === stem || t.rel.name === `${stem}s` || t.rel.name === `${stem}es`),
  );
  const row = target?.fixtures.get(ctx.fixtures.artists.find((a) => a.id === owner.id)!.key)?.[0];
  return target?.rel.name === ctx.config.tenant.root.split('.')[1] ? owner.id : row?.key[0];
}

function objectName(ctx: MatrixContext, owner: FixtureArtist): string | undefined {
  const target = ctx.targets.find((t) => t.bucket);
  return target?.fixtures.get(ctx.fixtures.artists.find((a) => a.id === owner.id)!.key)?.[0]?.values.name ?? undefined;
}

function valueFromColumns(byName: Map<string, Relation>, column: string): string | undefined {
  for (const rel of byName.values()) {
    const values = rel.columns.some((c) => c.name === column) ? allowedValues(rel, column) : undefined;
    if (values?.length) return values[0];
  }
  return undefined;
}
