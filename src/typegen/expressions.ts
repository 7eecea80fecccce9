/**
 * Reading CHECK constraints and policy expressions with the real Postgres parser (libpg-query):
 * which string values a column may hold (`col IN ('a', 'b')`, `col = ANY (ARRAY[...])`), and
 * which columns a policy pins to one value (`subscription_tier = 'free'`, `stripe_customer_id IS
 * NULL`). Anything the parser or these rules do not recognise restricts nothing.
 */
import { loadModule, parseSync } from 'libpg-query';

/** A libpg-query parse-tree node: `{ NodeType: { ...fields } }`. */
export type PgNode = Record<string, any>;

/** The fields of node if it is of the given type. */
export function as(node: unknown, type: string): PgNode | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const inner = (node as PgNode)[type];
  return inner && typeof inner === 'object' ? (inner as PgNode) : undefined;
}

export function nodeType(node: unknown): string | undefined {
  return node && typeof node === 'object' ? Object.keys(node)[0] : undefined;
}

export function strings(list: unknown): string[] {
  return Array.isArray(list)
    ? list.map((n) => as(n, 'String')?.sval).filter((s): s is string => typeof s === 'string')
    : [];
}

/** Loads the parser (WebAssembly) once; the parse functions below are synchronous after it. */
export async function loadParser(): Promise<void> {
  await loadModule();
}

/** A whole statement list, or undefined when the parser rejects the text. */
export function parseSql(text: string): PgNode | undefined {
  try {
    return parseSync(text) as PgNode;
  } catch {
    return undefined;
  }
}

/** Parses the text of a CHECK constraint (as pg_get_constraintdef prints it) into its expression. */
export function parseCheck(definition: string): PgNode | undefined {
  try {
    const tree = parseSync(`CREATE TABLE _t (CONSTRAINT _c ${definition})`) as PgNode;
    const elt = tree.stmts?.[0]?.stmt?.CreateStmt?.tableElts?.[0];
    return as(elt, 'Constraint')?.raw_expr as PgNode | undefined;
  } catch {
    return undefined;
  }
}

/** Parses an expression as pg_get_expr prints it (policy USING / WITH CHECK, column defaults). */
export function parseExpression(text: string): PgNode | undefined {
  try {
    const tree = parseSync(`SELECT ${text}`) as PgNode;
    return as(tree.stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0], 'ResTarget')?.val as PgNode | undefined;
  } catch {
    return undefined;
  }
}

function stripCasts(node: unknown): unknown {
  let current = node;
  for (let cast = as(current, 'TypeCast'); cast; cast = as(current, 'TypeCast')) current = cast.arg;
  return current;
}

/** The column a node names (through casts), lower-case as Postgres folds it; VALUE for domains. */
function columnName(node: unknown): string | undefined {
  const ref = as(stripCasts(node), 'ColumnRef');
  const names = strings(ref?.fields);
  return names.length ? names[names.length - 1] : undefined;
}

export type ConstValue = string | number | boolean | null;

/** The constant a node is (through casts), or undefined when it is not a constant. */
export function constant(node: unknown): { value: ConstValue } | undefined {
  const c = as(stripCasts(node), 'A_Const');
  if (!c) return undefined;
  if (c.isnull) return { value: null };
  if (c.sval) return { value: String(c.sval.sval ?? '') };
  if (c.ival) return { value: Number(c.ival.ival ?? 0) };
  if (c.fval) return { value: Number(c.fval.fval) };
  if (c.boolval) return { value: Boolean(c.boolval.boolval) };
  return undefined;
}

function stringConstants(nodes: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const n of nodes) {
    const c = constant(n);
    if (!c || typeof c.value !== 'string') return undefined;
    out.push(c.value);
  }
  return out;
}

function conjuncts(node: unknown): unknown[] {
  const bool = as(node, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args as unknown[]).flatMap(conjuncts);
  return [node];
}

function opName(expr: PgNode): string | undefined {
  const names = strings(expr.name);
  return names[names.length - 1];
}

/** `col = 'a'`, `col IN ('a', 'b')`, `col = ANY (ARRAY['a', 'b'])`: the column and its values. */
function valueList(node: unknown): { column: string; values: string[] } | undefined {
  const expr = as(node, 'A_Expr');
  if (!expr || opName(expr) !== '=') return undefined;
  const column = columnName(expr.lexpr);
  if (!column) return undefined;
  if (expr.kind === 'AEXPR_OP') {
    const values = stringConstants([expr.rexpr]);
    return values ? { column, values } : undefined;
  }
  if (expr.kind === 'AEXPR_IN') {
    const items = as(expr.rexpr, 'List')?.items;
    const values = Array.isArray(items) ? stringConstants(items) : undefined;
    return values ? { column, values } : undefined;
  }
  if (expr.kind === 'AEXPR_OP_ANY') {
    const array = as(stripCasts(expr.rexpr), 'A_ArrayExpr');
    const values = array ? stringConstants((array.elements as unknown[] | undefined) ?? []) : undefined;
    return values ? { column, values } : undefined;
  }
  return undefined;
}

function isNullTestOf(node: unknown): string | undefined {
  const test = as(node, 'NullTest');
  return test?.nulltesttype === 'IS_NULL' ? columnName(test.arg) : undefined;
}

/**
 * The string values each column is restricted to by a CHECK expression: every top-level AND term
 * of the forms above, also `col IS NULL OR col IN (...)`. Column names as the parser returns them.
 */
export function allowedValues(expr: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const restrict = (column: string, values: string[]) => {
    const previous = out.get(column);
    out.set(column, previous ? previous.filter((v) => values.includes(v)) : [...new Set(values)]);
  };
  for (const term of conjuncts(expr)) {
    const direct = valueList(term);
    if (direct) {
      restrict(direct.column, direct.values);
      continue;
    }
    const or = as(term, 'BoolExpr');
    if (or?.boolop !== 'OR_EXPR') continue;
    let column: string | undefined;
    const values: string[] = [];
    let ok = true;
    for (const arg of or.args as unknown[]) {
      const list = valueList(arg);
      const nullOf = isNullTestOf(arg);
      const name = list?.column ?? nullOf;
      if (!name || (column && column !== name)) {
        ok = false;
        break;
      }
      column = name;
      if (list) values.push(...list.values);
    }
    if (ok && column && values.length) restrict(column, values);
  }
  return out;
}

/**
 * Columns a policy expression pins to one value: top-level AND terms `col = <constant>`,
 * `<constant> = col` and `col IS NULL`.
 */
export function pinnedValues(expr: unknown): Map<string, ConstValue> {
  const out = new Map<string, ConstValue>();
  for (const term of conjuncts(expr)) {
    const nullOf = isNullTestOf(term);
    if (nullOf) {
      out.set(nullOf, null);
      continue;
    }
    const e = as(term, 'A_Expr');
    if (!e || e.kind !== 'AEXPR_OP' || opName(e) !== '=') continue;
    const left = columnName(e.lexpr);
    const right = columnName(e.rexpr);
    const leftConst = constant(e.lexpr);
    const rightConst = constant(e.rexpr);
    if (left && rightConst) out.set(left, rightConst.value);
    else if (right && leftConst) out.set(right, leftConst.value);
  }
  return out;
}
