/**
 * The shape of the JSON a SQL-language function (or a PL/pgSQL one that is a single
 * `RETURN (<query>)`) builds, read from its definition: for
 * `json_build_object('metrics', coalesce((SELECT json_agg(json_build_object('platform',
 * m.platform, ...)) FROM (SELECT ... FROM public.metrics AS mt) AS m), '[]'::json), ...)` it yields
 * `{ metrics: { platform: "instagram" | ...; ... }[]; ... }`, each leaf typed from the column it
 * reads (CHECK unions and nullability included) through aliases, subqueries and CTEs.
 *
 * What it cannot follow becomes Json (still true, just less precise); when the body is not a
 * single SELECT it can read, there is no shape and the caller falls back to Json or a configured
 * type (types.json in the config).
 */
import { as, constant, nodeType, parseSql, strings, type PgNode } from './expressions.js';
import { T, nullable, union, withoutNull, type TsField, type TsType } from './ts.js';

export interface Typed {
  type: TsType;
  nullable: boolean;
}

export interface ShapeContext {
  /** Columns of a table or view by (schema or null, name): JSON types as PostgREST would send them. */
  relation(schema: string | null, name: string): Map<string, Typed> | undefined;
  /** The function's parameters by name, typed. */
  parameters: Map<string, Typed>;
}

const UNKNOWN: Typed = { type: T.json, nullable: true };

const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'json_agg',
  'jsonb_agg',
  'array_agg',
  'string_agg',
  'bool_and',
  'bool_or',
  'every',
  'json_object_agg',
  'jsonb_object_agg',
  'json_agg_strict',
  'jsonb_agg_strict',
]);

/** SQL type names as written in casts → the JSON they become. */
const CAST_TYPES: Record<string, TsType> = {
  bool: T.boolean,
  boolean: T.boolean,
  int: T.number,
  int2: T.number,
  int4: T.number,
  int8: T.number,
  integer: T.number,
  smallint: T.number,
  bigint: T.number,
  float4: T.number,
  float8: T.number,
  real: T.number,
  numeric: T.number,
  decimal: T.number,
  double: T.number,
  text: T.string,
  varchar: T.string,
  bpchar: T.string,
  char: T.string,
  name: T.string,
  citext: T.string,
  uuid: T.string,
  date: T.string,
  time: T.string,
  timetz: T.string,
  timestamp: T.string,
  timestamptz: T.string,
  interval: T.string,
  json: T.json,
  jsonb: T.json,
};

interface Source {
  columns(): Map<string, Typed> | undefined;
  /** True when an outer join can leave this side's columns NULL. */
  nullable: boolean;
}

interface Scope {
  sources: Map<string, Source>;
  ctes: Map<string, PgNode>;
  parent: Scope | undefined;
}

/** The result of a SQL function's body, or undefined when it cannot be read. */
export function functionResultShape(definition: string, ctx: ShapeContext): Typed | undefined {
  const create = as(parseSql(definition)?.stmts?.[0]?.stmt, 'CreateFunctionStmt');
  if (!create) return undefined;
  let statements: unknown[] = [];
  const asOption = (create.options as unknown[] | undefined)
    ?.map((o) => as(o, 'DefElem'))
    .find((d) => d?.defname === 'as');
  const body = strings(as(asOption?.arg, 'List')?.items)[0];
  if (body !== undefined) {
    // PL/pgSQL written as one `BEGIN RETURN (<query>); END` (cached plans): read the query.
    const plpgsqlReturn = /^\s*BEGIN\s+RETURN\s*\(([\s\S]*)\)\s*;\s*END\s*;?\s*$/i.exec(body);
    statements = ((parseSql(plpgsqlReturn ? plpgsqlReturn[1]! : body)?.stmts as PgNode[] | undefined) ?? []).map(
      (s) => s.stmt,
    );
  } else if (create.sql_body) {
    // BEGIN ATOMIC ... END or RETURN expr
    const inner = as(create.sql_body, 'List')?.items as unknown[] | undefined;
    const first = inner?.[0];
    statements = (as(first, 'List')?.items as unknown[] | undefined) ?? (first ? [first] : []);
  }
  const last = statements[statements.length - 1];
  const select = as(last, 'SelectStmt');
  const root: Scope = {
    sources: new Map([['', { columns: () => ctx.parameters, nullable: false }]]),
    ctes: new Map(),
    parent: undefined,
  };
  if (!select) {
    const ret = as(last, 'ReturnStmt');
    return ret ? expression(ret.returnval, root, ctx) : undefined;
  }
  const targets = select.targetList as unknown[] | undefined;
  if (!targets || targets.length !== 1) return undefined;
  const scope = selectScope(select, root, ctx);
  const value = expression(as(targets[0], 'ResTarget')?.val, scope, ctx);
  // A function returning one value returns NULL when its query yields no row.
  const mayBeEmpty = Boolean(select.fromClause?.length || select.whereClause) && !oneRow(select);
  return { type: value.type, nullable: value.nullable || mayBeEmpty };
}

/** A SELECT that always yields exactly one row: aggregates without GROUP BY or HAVING. */
function oneRow(select: PgNode): boolean {
  if (select.groupClause?.length || select.havingClause || select.limitCount) return false;
  if (!select.fromClause?.length && !select.whereClause) return true;
  return ((select.targetList as unknown[] | undefined) ?? []).some((t) => containsAggregate(as(t, 'ResTarget')?.val));
}

function containsAggregate(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(containsAggregate);
  const type = nodeType(node);
  if (type === 'SubLink') return false;
  const call = as(node, 'FuncCall');
  if (call && !call.over && AGGREGATES.has(funcName(call))) return true;
  return Object.values(node as PgNode).some(containsAggregate);
}

function funcName(call: PgNode): string {
  const names = strings(call.funcname);
  return (names[names.length - 1] ?? '').toLowerCase();
}

function selectScope(select: PgNode, parent: Scope, ctx: ShapeContext): Scope {
  const scope: Scope = { sources: new Map(), ctes: new Map(), parent };
  for (const cte of (select.withClause?.ctes as unknown[] | undefined) ?? []) {
    const c = as(cte, 'CommonTableExpr');
    if (c?.ctename) scope.ctes.set(String(c.ctename), c.ctequery as PgNode);
  }
  for (const item of (select.fromClause as unknown[] | undefined) ?? []) addFromItem(item, scope, ctx, false);
  return scope;
}

function findCte(scope: Scope | undefined, name: string): PgNode | undefined {
  for (let s = scope; s; s = s.parent) {
    const cte = s.ctes.get(name);
    if (cte) return cte;
  }
  return undefined;
}

function addFromItem(item: unknown, scope: Scope, ctx: ShapeContext, outer: boolean): void {
  const range = as(item, 'RangeVar');
  if (range) {
    const name = String(range.relname);
    const alias = String(range.alias?.aliasname ?? name);
    const cte = range.schemaname ? undefined : findCte(scope, name);
    const columns = cte
      ? lazy(() => subqueryColumns(cte, scope, ctx))
      : lazy(() => ctx.relation(range.schemaname ? String(range.schemaname) : null, name));
    scope.sources.set(alias, { columns, nullable: outer });
    return;
  }
  const sub = as(item, 'RangeSubselect');
  if (sub) {
    const alias = String(sub.alias?.aliasname ?? '');
    // A LATERAL subquery sees the FROM items before it; an ordinary one only the outer query.
    const parent = sub.lateral ? scope : (scope.parent ?? scope);
    scope.sources.set(alias, {
      columns: lazy(() => subqueryColumns(sub.subquery as PgNode, parent, ctx)),
      nullable: outer,
    });
    return;
  }
  const join = as(item, 'JoinExpr');
  if (join) {
    addFromItem(join.larg, scope, ctx, outer || join.jointype === 'JOIN_RIGHT' || join.jointype === 'JOIN_FULL');
    addFromItem(join.rarg, scope, ctx, outer || join.jointype === 'JOIN_LEFT' || join.jointype === 'JOIN_FULL');
    return;
  }
  const fn = as(item, 'RangeFunction');
  if (fn?.alias?.aliasname)
    scope.sources.set(String(fn.alias.aliasname), { columns: () => undefined, nullable: outer });
}

function lazy<V>(fn: () => V): () => V {
  let done = false;
  let value: V;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

function subqueryColumns(query: PgNode, parent: Scope, ctx: ShapeContext): Map<string, Typed> | undefined {
  const select = as(query, 'SelectStmt');
  if (!select || (select.op && select.op !== 'SETOP_NONE')) return undefined;
  const scope = selectScope(select, parent, ctx);
  const out = new Map<string, Typed>();
  for (const target of (select.targetList as unknown[] | undefined) ?? []) {
    const t = as(target, 'ResTarget');
    if (!t) continue;
    const name = t.name ? String(t.name) : outputName(t.val);
    if (name) out.set(name, expression(t.val, scope, ctx));
  }
  return out;
}

/** The name Postgres gives an unnamed output column. */
function outputName(node: unknown): string | undefined {
  const ref = as(node, 'ColumnRef');
  if (ref) return strings(ref.fields).at(-1);
  const call = as(node, 'FuncCall');
  if (call) return funcName(call);
  if (as(node, 'CoalesceExpr')) return 'coalesce';
  const cast = as(node, 'TypeCast');
  if (cast) return outputName(cast.arg) ?? strings(cast.typeName?.names).at(-1);
  return undefined;
}

function lookupColumn(scope: Scope, fields: string[]): Typed {
  const column = fields[fields.length - 1];
  if (!column) return UNKNOWN;
  const qualifier = fields.length >= 2 ? fields[fields.length - 2] : undefined;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (qualifier !== undefined) {
      const source = s.sources.get(qualifier);
      if (!source) continue;
      const typed = source.columns()?.get(column);
      if (!typed) return UNKNOWN;
      return source.nullable ? { type: typed.type, nullable: true } : typed;
    }
    for (const source of s.sources.values()) {
      const typed = source.columns()?.get(column);
      if (typed) return source.nullable ? { type: typed.type, nullable: true } : typed;
    }
  }
  return UNKNOWN;
}

/** The JSON type of one expression in a scope. */
function expression(node: unknown, scope: Scope, ctx: ShapeContext): Typed {
  switch (nodeType(node)) {
    case 'ColumnRef':
      return lookupColumn(scope, strings(as(node, 'ColumnRef')!.fields));
    case 'ParamRef':
      return UNKNOWN;
    case 'A_Const': {
      const c = constant(node);
      if (!c || c.value === null) return { type: T.null, nullable: true };
      // A string constant is that string in the JSON; numbers stay number (coalesce(sum(x), 0)).
      return {
        type: typeof c.value === 'string' ? T.literal(c.value) : typeof c.value === 'number' ? T.number : T.boolean,
        nullable: false,
      };
    }
    case 'TypeCast':
      return cast(as(node, 'TypeCast')!, scope, ctx);
    case 'FuncCall':
      return call(as(node, 'FuncCall')!, scope, ctx);
    case 'CoalesceExpr': {
      const args = ((as(node, 'CoalesceExpr')!.args as unknown[] | undefined) ?? []).map((a) =>
        expression(a, scope, ctx),
      );
      return { type: merge(args.map((a) => a.type)), nullable: args.every((a) => a.nullable) };
    }
    case 'SubLink':
      return sublink(as(node, 'SubLink')!, scope, ctx);
    case 'BoolExpr':
    case 'NullTest':
    case 'BooleanTest':
      return { type: T.boolean, nullable: nodeType(node) === 'BoolExpr' };
    case 'A_Expr': {
      const e = as(node, 'A_Expr')!;
      const op = strings(e.name).at(-1) ?? '';
      const left = e.lexpr ? expression(e.lexpr, scope, ctx) : undefined;
      const right = e.rexpr && nodeType(e.rexpr) !== 'List' ? expression(e.rexpr, scope, ctx) : undefined;
      const anyNull = Boolean(left?.nullable || right?.nullable);
      if (['+', '-', '*', '/', '%', '^'].includes(op) && e.kind === 'AEXPR_OP') {
        // date + integer is a date; numbers stay numbers; anything else we do not guess.
        const l = left && withoutNull(left.type);
        const r = right && withoutNull(right.type);
        if (isKeyword(l, 'number') && (!r || isKeyword(r, 'number'))) return { type: T.number, nullable: anyNull };
        return { type: T.json, nullable: true };
      }
      if (op === '||') return { type: T.string, nullable: anyNull };
      return { type: T.boolean, nullable: anyNull };
    }
    case 'CaseExpr': {
      const c = as(node, 'CaseExpr')!;
      const results = ((c.args as unknown[] | undefined) ?? []).map((w) =>
        expression(as(w, 'CaseWhen')?.result, scope, ctx),
      );
      const otherwise = c.defresult ? expression(c.defresult, scope, ctx) : { type: T.null, nullable: true };
      const all = [...results, otherwise];
      return { type: merge(all.map((a) => a.type)), nullable: all.some((a) => a.nullable) };
    }
    case 'SQLValueFunction':
      return { type: T.string, nullable: false };
    default:
      return UNKNOWN;
  }
}

function cast(node: PgNode, scope: Scope, ctx: ShapeContext): Typed {
  const typeName = strings(node.typeName?.names).at(-1)?.toLowerCase() ?? '';
  const isArray = Array.isArray(node.typeName?.arrayBounds) && node.typeName.arrayBounds.length > 0;
  const literal = constant(node.arg);
  if ((typeName === 'json' || typeName === 'jsonb') && !isArray && literal && typeof literal.value === 'string') {
    try {
      return { type: jsonLiteral(JSON.parse(literal.value) as unknown), nullable: false };
    } catch {
      return UNKNOWN;
    }
  }
  const inner = expression(node.arg, scope, ctx);
  const mapped = CAST_TYPES[typeName];
  if (!mapped) return { type: T.json, nullable: inner.nullable };
  return { type: isArray ? T.array(mapped) : mapped, nullable: inner.nullable };
}

/** The type of a JSON literal: '[]' is an empty array (never[]), '{}' an empty object. */
function jsonLiteral(value: unknown): TsType {
  if (value === null) return T.null;
  if (Array.isArray(value)) return T.array(union(value.map(jsonLiteral)));
  if (typeof value === 'object')
    return T.object(Object.entries(value as object).map(([name, v]) => ({ name, type: jsonLiteral(v) })));
  return typeof value === 'string' ? T.string : typeof value === 'number' ? T.number : T.boolean;
}

function call(node: PgNode, scope: Scope, ctx: ShapeContext): Typed {
  const name = funcName(node);
  const args = (node.args as unknown[] | undefined) ?? [];
  switch (name) {
    case 'json_build_object':
    case 'jsonb_build_object': {
      const fields: TsField[] = [];
      for (let i = 0; i + 1 < args.length; i += 2) {
        const key = constant(args[i]);
        if (!key || key.value === null) return { type: T.json, nullable: false };
        const value = expression(args[i + 1], scope, ctx);
        fields.push({ name: String(key.value), type: nullable(value.type, value.nullable) });
      }
      return { type: T.object(fields), nullable: false };
    }
    case 'json_build_array':
    case 'jsonb_build_array': {
      const items = args.map((a) => expression(a, scope, ctx));
      return { type: T.array(union(items.map((i) => nullable(i.type, i.nullable)))), nullable: false };
    }
    case 'json_agg':
    case 'jsonb_agg':
    case 'array_agg':
    case 'json_agg_strict':
    case 'jsonb_agg_strict': {
      const item = args[0] ? expression(args[0], scope, ctx) : UNKNOWN;
      const strict = name.endsWith('_strict');
      // NULL, not [], when there is no row to aggregate.
      return { type: T.array(nullable(item.type, item.nullable && !strict)), nullable: true };
    }
    case 'count':
      return { type: T.number, nullable: false };
    case 'sum':
    case 'avg':
      return { type: T.number, nullable: true };
    case 'min':
    case 'max': {
      const item = args[0] ? expression(args[0], scope, ctx) : UNKNOWN;
      return { type: item.type, nullable: true };
    }
    case 'bool_and':
    case 'bool_or':
    case 'every':
      return { type: T.boolean, nullable: true };
    case 'to_json':
    case 'to_jsonb':
      return args[0] ? expression(args[0], scope, ctx) : UNKNOWN;
    case 'now':
    case 'current_date':
    case 'clock_timestamp':
    case 'statement_timestamp':
    case 'transaction_timestamp':
      return { type: T.string, nullable: false };
    case 'char_length':
    case 'length':
    case 'octet_length':
    case 'cardinality':
    case 'array_length':
    case 'round':
    case 'floor':
    case 'ceil':
    case 'abs': {
      const item = args[0] ? expression(args[0], scope, ctx) : UNKNOWN;
      return { type: T.number, nullable: item.nullable };
    }
    case 'lower':
    case 'upper':
    case 'trim':
    case 'btrim':
    case 'concat':
    case 'format':
    case 'to_char':
    case 'initcap': {
      const items = args.map((a) => expression(a, scope, ctx));
      return { type: T.string, nullable: name !== 'concat' && name !== 'format' && items.some((i) => i.nullable) };
    }
    default:
      return UNKNOWN;
  }
}

function sublink(node: PgNode, scope: Scope, ctx: ShapeContext): Typed {
  switch (node.subLinkType) {
    case 'EXISTS_SUBLINK':
      return { type: T.boolean, nullable: false };
    case 'ARRAY_SUBLINK':
    case 'EXPR_SUBLINK': {
      const select = as(node.subselect, 'SelectStmt');
      const targets = (select?.targetList as unknown[] | undefined) ?? [];
      if (!select || targets.length !== 1) return UNKNOWN;
      const inner = selectScope(select, scope, ctx);
      const value = expression(as(targets[0], 'ResTarget')?.val, inner, ctx);
      if (node.subLinkType === 'ARRAY_SUBLINK')
        return { type: T.array(nullable(value.type, value.nullable)), nullable: false };
      // A scalar subquery is NULL when it yields no row.
      return { type: value.type, nullable: value.nullable || !oneRow(select) };
    }
    default:
      return { type: T.boolean, nullable: true };
  }
}

/** coalesce / CASE: the branches' types, where an empty JSON literal yields to a typed branch. */
function merge(types: TsType[]): TsType {
  const typed = types.filter((t) => !isEmptyLiteral(t) && !isKeyword(t, 'null'));
  return union((typed.length ? typed : types).map(withoutNull));
}

function isKeyword(type: TsType | undefined, name: string): boolean {
  return type?.kind === 'keyword' && type.name === name;
}

function isEmptyLiteral(type: TsType): boolean {
  return (
    (type.kind === 'array' && type.element.kind === 'keyword' && type.element.name === 'never') ||
    (type.kind === 'object' && type.fields.length === 0)
  );
}
