/**
 * Postgres types → the TypeScript of what PostgREST sends: numbers, strings, Json, arrays; enums
 * and composite types of the generated schemas by reference into Database; domains as their base
 * narrowed by their CHECK (VALUE IN (...)).
 */
import type { Catalog, ColumnRow, TypeRow } from './catalog.js';
import { allowedValues, parseCheck } from './expressions.js';
import { T, byName, nullable, type TsType } from './ts.js';

export class TypeResolver {
  private readonly cache = new Map<string, TsType>();
  private readonly declared: Set<string>;

  constructor(
    private readonly catalog: Catalog,
    private readonly schemas: string[],
    private readonly columnsByRel: Map<string, ColumnRow[]>,
  ) {
    this.declared = new Set(catalog.declaredTypes.map((t) => t.oid));
  }

  typeOf(oid: string): TsType {
    const cached = this.cache.get(oid);
    if (cached) return cached;
    this.cache.set(oid, T.unknown); // cycles through composite types end here
    const t = this.catalog.types.get(oid);
    const type = t ? this.resolve(t) : T.unknown;
    this.cache.set(oid, type);
    return type;
  }

  private resolve(t: TypeRow): TsType {
    const declared = this.schemas.includes(t.schema) && this.declared.has(t.oid);
    switch (t.typtype) {
      case 'e':
        return declared ? T.ref(`Database[${q(t.schema)}]["Enums"][${q(t.name)}]`) : T.literals(t.labels);
      case 'd': {
        const base = t.base ? this.typeOf(t.base) : T.unknown;
        const values = t.checks
          .map((c) => allowedValues(parseCheck(c)).get('value'))
          .filter((v): v is string[] => Boolean(v));
        return narrow(base, values);
      }
      case 'c': {
        if (t.relkind === 'c' && declared) return T.ref(`Database[${q(t.schema)}]["CompositeTypes"][${q(t.name)}]`);
        // A table's row type (a function returning SETOF public.tasks): its columns.
        const columns = t.relid ? this.columnsByRel.get(t.relid) : undefined;
        if (!columns) return T.record;
        return T.object(
          byName(columns.map((c) => ({ name: c.name, type: nullable(this.typeOf(c.type_oid), !c.not_null) }))),
        );
      }
      case 'p':
        return t.name === 'void' ? T.undefined : t.name === 'record' ? T.record : T.unknown;
      case 'r':
      case 'm':
        return T.string;
      default:
        if (t.category === 'A' && t.element) return T.array(this.typeOf(t.element));
        return baseType(t);
    }
  }
}

/** A string type narrowed to the values every list allows (CHECK constraints). */
export function narrow(base: TsType, lists: string[][]): TsType {
  if (!lists.length || !(base.kind === 'keyword' && base.name === 'string')) return base;
  let values = lists[0]!;
  for (const list of lists.slice(1)) values = values.filter((v) => list.includes(v));
  return values.length ? T.literals(values) : T.never;
}

function baseType(t: TypeRow): TsType {
  switch (t.name) {
    case 'json':
    case 'jsonb':
      return T.json;
    case 'money':
      return T.string;
    case 'bool':
      return T.boolean;
  }
  switch (t.category) {
    case 'B':
      return T.boolean;
    case 'N':
      return T.number;
    case 'S':
    case 'D':
    case 'T':
    case 'I':
    case 'G':
    case 'V':
    case 'U':
    case 'R':
      return T.string;
    default:
      return T.unknown;
  }
}

function q(name: string): string {
  return JSON.stringify(name);
}
