/**
 * From the catalog to the types each audience may use. Pure: no database, no I/O.
 *
 * The client audience (authenticated) sees what Postgres would let it do: a column is in Row when
 * the role may SELECT it, in Insert / Update when it may INSERT / UPDATE it (column privileges);
 * with row level security, a command no policy allows is `never`, and a column an INSERT policy
 * pins to one value (`subscription_tier = 'free'`) is left out when omitting it already gives that
 * value. Tables the role cannot touch at all, and functions it cannot EXECUTE, are absent. The
 * server audience (service_role) gets the same treatment with its own, much larger, rights.
 */
import type { Audience, Catalog, ColumnRow, FunctionRow, PolicyRow, RelationRow } from './catalog.js';
import { allowedValues, constant, parseCheck, parseExpression, pinnedValues, type ConstValue } from './expressions.js';
import { functionResultShape, type ShapeContext, type Typed } from './json-shape.js';
import { narrow, TypeResolver } from './pg-types.js';
import { T, byName, compare, nullable, type TsField, type TsType } from './ts.js';

export interface ModelOptions {
  schemas: string[];
  /** "schema.function" or "schema.table.column" → a TypeScript type, for JSON the catalog cannot describe. */
  jsonTypes: Record<string, string>;
}

export interface Relationship {
  foreignKeyName: string;
  columns: string[];
  isOneToOne: boolean;
  referencedRelation: string;
  referencedColumns: string[];
}

export interface RelationTypes {
  name: string;
  doc?: string;
  row: TsField[];
  /** undefined: the relation has no Insert/Update at all (non-updatable view); null: `never`. */
  insert: TsField[] | null | undefined;
  update: TsField[] | null | undefined;
  relationships: Relationship[];
}

export interface FunctionTypes {
  name: string;
  doc?: string;
  overloads: Array<{ args: TsField[] | null; returns: TsType }>;
}

export interface SchemaTypes {
  name: string;
  tables: RelationTypes[];
  views: RelationTypes[];
  functions: FunctionTypes[];
  enums: Array<{ name: string; values: string[] }>;
  composites: Array<{ name: string; fields: TsField[] }>;
}

export interface NamedType {
  name: string;
  doc: string;
  type: TsType;
}

export interface TypesModel {
  client: SchemaTypes[];
  server: SchemaTypes[];
  /** Declared types for JSON that functions build (DashboardSummary), shared by both. */
  named: NamedType[];
}

/** Names the generated module defines itself; a JSON type never takes one of them. */
const RESERVED = new Set([
  'Json',
  'Database',
  'ServiceDatabase',
  'DatabaseWithoutInternals',
  'DefaultSchema',
  'Tables',
  'TablesInsert',
  'TablesUpdate',
  'Enums',
  'CompositeTypes',
  'Constants',
  'ServiceTables',
  'ServiceTablesInsert',
  'ServiceTablesUpdate',
]);

interface ColumnInfo {
  row: ColumnRow;
  /** The JSON type of stored values (validated CHECKs narrow it). */
  readType: TsType;
  /** The type a write must have (every CHECK, NOT VALID ones too, narrows it). */
  writeType: TsType;
  defaultValue: { value: ConstValue } | undefined;
}

interface Access {
  select: boolean;
  insert: boolean;
  update: boolean;
  delete: boolean;
  insertPins: Map<string, ConstValue>;
  updatePins: Map<string, ConstValue>;
}

/** Call after loadParser() (expressions.ts): CHECKs, policies and function bodies are parsed here. */
export function buildModel(catalog: Catalog, options: ModelOptions): TypesModel {
  const b = new ModelBuilder(catalog, options);
  return b.build();
}

class ModelBuilder {
  private readonly columnsByRel = new Map<string, ColumnRow[]>();
  private readonly infoByRel = new Map<string, ColumnInfo[]>();
  private readonly named: NamedType[] = [];
  private readonly namedByFunction = new Map<string, { name: string; nullable: boolean }>();
  private readonly types: TypeResolver;

  constructor(
    private readonly catalog: Catalog,
    private readonly options: ModelOptions,
  ) {
    for (const c of catalog.columns) {
      const list = this.columnsByRel.get(c.relid) ?? [];
      list.push(c);
      this.columnsByRel.set(c.relid, list);
    }
    this.types = new TypeResolver(catalog, options.schemas, this.columnsByRel);
  }

  private typeOf(oid: string): TsType {
    return this.types.typeOf(oid);
  }

  build(): TypesModel {
    for (const rel of this.catalog.relations) this.infoByRel.set(rel.oid, this.columnInfo(rel));
    this.nameJsonShapes();
    return {
      client: this.options.schemas.map((s) => this.schema(s, 'client')),
      server: this.options.schemas.map((s) => this.schema(s, 'server')),
      named: this.named,
    };
  }

  private columnInfo(rel: RelationRow): ColumnInfo[] {
    const columns = this.columnsByRel.get(rel.oid) ?? [];
    const valid = new Map<string, string[][]>();
    const all = new Map<string, string[][]>();
    for (const check of this.catalog.checks.filter((c) => c.relid === rel.oid)) {
      for (const [column, values] of allowedValues(parseCheck(check.definition))) {
        if (check.validated) valid.set(column, [...(valid.get(column) ?? []), values]);
        all.set(column, [...(all.get(column) ?? []), values]);
      }
    }
    return columns.map((row) => {
      const override = this.options.jsonTypes[`${rel.schema}.${rel.name}.${row.name}`];
      const base = override ? T.ref(override) : this.typeOf(row.type_oid);
      const parsedDefault = row.default_expr ? parseExpression(row.default_expr) : undefined;
      return {
        row,
        readType: narrow(base, valid.get(row.name) ?? []),
        writeType: narrow(base, all.get(row.name) ?? []),
        defaultValue: parsedDefault ? constant(parsedDefault) : undefined,
      };
    });
  }

  // JSON built by functions -------------------------------------------------------------------------

  private nameJsonShapes(): void {
    const taken = new Set(RESERVED);
    for (const fn of this.catalog.functions) {
      const ret = this.catalog.types.get(fn.return_type);
      if (!fn.definition || !ret || (ret.name !== 'json' && ret.name !== 'jsonb')) continue;
      if (this.options.jsonTypes[`${fn.schema}.${fn.name}`]) continue;
      const shape = functionResultShape(fn.definition, this.shapeContext(fn));
      if (!shape || (shape.type.kind !== 'object' && shape.type.kind !== 'array')) continue;
      let name = pascal(fn.name.replace(/^get_/, ''));
      if (fn.schema !== this.options.schemas[0]) name = pascal(fn.schema) + name;
      if (taken.has(name)) name += 'Result';
      for (let i = 2; taken.has(name); i++) name = `${name.replace(/\d+$/, '')}${i}`;
      taken.add(name);
      this.named.push({
        name,
        doc: `What ${fn.schema}.${fn.name}(${fn.identity}) returns, read from its definition.`,
        type: shape.type,
      });
      this.namedByFunction.set(fn.oid, { name, nullable: shape.nullable });
    }
  }

  private shapeContext(fn: FunctionRow): ShapeContext {
    const parameters = new Map<string, Typed>();
    fn.arg_modes.forEach((mode, i) => {
      const name = fn.arg_names[i];
      if (name && mode !== 'o' && mode !== 't')
        parameters.set(name, { type: this.typeOf(fn.arg_types[i]!), nullable: true });
    });
    return {
      parameters,
      relation: (schema, name) => {
        const rel = this.catalog.relations.find(
          (r) => r.name === name && (schema ? r.schema === schema : this.options.schemas.includes(r.schema)),
        );
        if (!rel) return undefined;
        const view = rel.kind === 'v' || rel.kind === 'm';
        return new Map(
          (this.infoByRel.get(rel.oid) ?? []).map((c) => [
            c.row.name,
            { type: c.readType, nullable: view || !c.row.not_null },
          ]),
        );
      },
    };
  }

  // One schema for one audience -----------------------------------------------------------------------

  private schema(name: string, audience: Audience): SchemaTypes {
    const schemaRow = this.catalog.schemas.find((s) => s.name === name);
    const usable = Boolean(schemaRow?.[`${audience}_usage`]);
    const relations = usable ? this.catalog.relations.filter((r) => r.schema === name) : [];
    const built = new Map<string, RelationTypes & { kind: RelationRow['kind'] }>();
    for (const rel of relations) {
      const types = this.relation(rel, audience);
      if (types) built.set(rel.name, { ...types, kind: rel.kind });
    }
    for (const rel of relations) {
      const types = built.get(rel.name);
      if (!types) continue;
      types.relationships = this.relationships(rel, types, built);
    }
    const list = [...built.values()].sort((a, b) => compare(a.name, b.name));
    const strip = ({ kind: _kind, ...rest }: RelationTypes & { kind: string }): RelationTypes => rest;
    const declared = this.catalog.declaredTypes.filter((t) => t.schema === name);
    return {
      name,
      tables: list.filter((r) => r.kind === 'r' || r.kind === 'p' || r.kind === 'f').map(strip),
      views: list.filter((r) => r.kind === 'v' || r.kind === 'm').map(strip),
      functions: usable ? this.functions(name, audience) : [],
      enums: declared
        .filter((t) => t.typtype === 'e')
        .map((t) => ({ name: t.name, values: this.catalog.types.get(t.oid)?.labels ?? [] })),
      composites: declared
        .filter((t) => t.typtype === 'c')
        .map((t) => {
          const relid = this.catalog.types.get(t.oid)?.relid;
          const columns = relid ? (this.columnsByRel.get(relid) ?? []) : [];
          return {
            name: t.name,
            fields: byName(columns.map((c) => ({ name: c.name, type: nullable(this.typeOf(c.type_oid)) }))),
          };
        }),
    };
  }

  private access(rel: RelationRow, audience: Audience): Access {
    const open: Access = {
      select: true,
      insert: true,
      update: true,
      delete: true,
      insertPins: new Map(),
      updatePins: new Map(),
    };
    if (!rel[`${audience}_rls`] || this.catalog.roles[audience].bypass_rls) return open;
    const policies = this.catalog.policies.filter((p) => p.relid === rel.oid && p[`${audience}_applies`]);
    const allows = (cmd: PolicyRow['command']) =>
      policies.some((p) => p.permissive && (p.command === cmd || p.command === '*'));
    return {
      select: allows('r'),
      insert: allows('a'),
      update: allows('w'),
      delete: allows('d'),
      insertPins: pins(policies, 'a'),
      updatePins: pins(policies, 'w'),
    };
  }

  private relation(rel: RelationRow, audience: Audience): RelationTypes | undefined {
    const access = this.access(rel, audience);
    const columns = this.infoByRel.get(rel.oid) ?? [];
    const view = rel.kind === 'v' || rel.kind === 'm';
    const can = (c: ColumnInfo, what: 'select' | 'insert' | 'update') => c.row[`${audience}_${what}`];

    const selectable = access.select ? columns.filter((c) => can(c, 'select')) : [];
    const row: TsField[] = selectable.map((c) => ({
      name: c.row.name,
      type: nullable(c.readType, view || !c.row.not_null),
      ...(c.row.comment ? { doc: c.row.comment } : {}),
    }));

    const writable = (c: ColumnInfo) => !c.row.generated && c.row.identity !== 'a';
    const insertable = rel.kind !== 'm' && (!view || (rel.updatable & 8) === 8);
    const updatable = rel.kind !== 'm' && (!view || (rel.updatable & 4) === 4);

    let insert: TsField[] | null | undefined;
    if (insertable) {
      const fields: TsField[] = [];
      for (const c of access.insert ? columns.filter((c) => can(c, 'insert') && writable(c)) : []) {
        const omittable = view || !c.row.not_null || c.row.default_expr !== null || c.row.identity === 'd';
        const pinned = access.insertPins.has(c.row.name) ? { value: access.insertPins.get(c.row.name)! } : undefined;
        if (pinned) {
          // Leaving it out already satisfies the policy: the client has nothing to choose.
          const omitted = c.row.default_expr === null ? null : c.defaultValue?.value;
          if (omittable && omitted !== undefined && omitted === pinned.value) continue;
          fields.push({ name: c.row.name, type: pinned.value === null ? T.null : T.literal(pinned.value) });
          continue;
        }
        fields.push({ name: c.row.name, type: nullable(c.writeType, view || !c.row.not_null), optional: omittable });
      }
      insert = fields.length ? fields : null;
    }

    let update: TsField[] | null | undefined;
    if (updatable) {
      const fields = (access.update ? columns.filter((c) => can(c, 'update') && writable(c)) : []).map((c) => {
        const pinned = access.updatePins.has(c.row.name) ? access.updatePins.get(c.row.name)! : undefined;
        const type =
          pinned !== undefined
            ? pinned === null
              ? T.null
              : T.literal(pinned)
            : nullable(c.writeType, view || !c.row.not_null);
        return { name: c.row.name, type, optional: true };
      });
      update = fields.length ? fields : null;
    }

    const deletable = rel[`${audience}_delete`] && access.delete && !view;
    if (!row.length && !insert && !update && !deletable) return undefined;

    const notes: string[] = [];
    if (rel.comment) notes.push(rel.comment);
    if (row.length && row.length < columns.length && access.select) {
      notes.push(
        `Only these columns are readable by ${this.catalog.roles[audience].name}: name them in select(); select("*") is refused.`,
      );
    }
    return {
      name: rel.name,
      ...(notes.length ? { doc: notes.join(' ') } : {}),
      row: byName(row),
      insert: insert ? byName(insert) : insert,
      update: update ? byName(update) : update,
      relationships: [],
    };
  }

  private relationships(rel: RelationRow, types: RelationTypes, built: Map<string, RelationTypes>): Relationship[] {
    const rowNames = new Set(types.row.map((f) => f.name));
    return this.catalog.foreignKeys
      .filter((fk) => fk.relid === rel.oid && fk.target_schema === rel.schema)
      .filter((fk) => {
        const target = built.get(fk.target_name);
        if (!target) return false;
        const targetNames = new Set(target.row.map((f) => f.name));
        return fk.columns.every((c) => rowNames.has(c)) && fk.referenced_columns.every((c) => targetNames.has(c));
      })
      .map((fk) => ({
        foreignKeyName: fk.name,
        columns: fk.columns,
        isOneToOne: fk.one_to_one,
        referencedRelation: fk.target_name,
        referencedColumns: fk.referenced_columns,
      }))
      .sort((a, b) => compare(a.foreignKeyName, b.foreignKeyName));
  }

  private functions(schema: string, audience: Audience): FunctionTypes[] {
    const byName = new Map<string, FunctionTypes>();
    for (const fn of this.catalog.functions) {
      if (fn.schema !== schema || !fn[`${audience}_execute`]) continue;
      const overload = this.overload(fn);
      if (!overload) continue;
      const entry = byName.get(fn.name) ?? { name: fn.name, overloads: [] };
      if (fn.comment && !entry.doc) entry.doc = fn.comment;
      entry.overloads.push(overload);
      byName.set(fn.name, entry);
    }
    return [...byName.values()].sort((a, b) => compare(a.name, b.name));
  }

  /** Args and Returns as PostgREST sees them; undefined for a function it cannot call. */
  private overload(fn: FunctionRow): { args: TsField[] | null; returns: TsType } | undefined {
    const inputs: Array<{ name: string; type: TsType }> = [];
    const outputs: TsField[] = [];
    fn.arg_modes.forEach((mode, i) => {
      const name = fn.arg_names[i] ?? '';
      const type = this.typeOf(fn.arg_types[i]!);
      if (mode === 'i' || mode === 'b' || mode === 'v')
        inputs.push({ name, type: mode === 'v' && type.kind !== 'array' ? T.array(type) : type });
      if (mode === 'o' || mode === 'b' || mode === 't')
        outputs.push({ name: name || `column${outputs.length + 1}`, type: this.typeOf(fn.arg_types[i]!) });
    });
    // PostgREST calls with named arguments; the one exception is a single unnamed parameter.
    if (inputs.some((a) => a.name === '') && inputs.length !== 1) return undefined;
    const firstDefault = inputs.length - fn.arg_defaults;
    const args = inputs.length
      ? byName(inputs.map((a, i) => ({ name: a.name, type: a.type, optional: i >= firstDefault })))
      : null;

    let returns: TsType;
    const override = this.options.jsonTypes[`${fn.schema}.${fn.name}`];
    const named = this.namedByFunction.get(fn.oid);
    if (override) returns = T.ref(override);
    // A set has no "no row" NULL: each row is a value.
    else if (named) returns = nullable(T.ref(named.name), named.nullable && !fn.returns_set);
    else if (outputs.length) returns = T.object(outputs);
    else returns = this.typeOf(fn.return_type);
    return { args, returns: fn.returns_set ? T.array(returns) : returns };
  }
}

/** Values every permissive policy of the command pins a column to, plus any restrictive pin. */
function pins(policies: PolicyRow[], cmd: 'a' | 'w'): Map<string, ConstValue> {
  const relevant = policies.filter((p) => p.command === cmd || p.command === '*');
  const exprOf = (p: PolicyRow) => {
    const text = p.check_expr ?? p.using_expr;
    return text ? pinnedValues(parseExpression(text)) : new Map<string, ConstValue>();
  };
  const permissive = relevant.filter((p) => p.permissive).map(exprOf);
  const out = new Map<string, ConstValue>();
  const [first, ...rest] = permissive;
  for (const [column, value] of first ?? []) {
    if (rest.every((m) => m.has(column) && m.get(column) === value)) out.set(column, value);
  }
  for (const p of relevant.filter((p) => !p.permissive))
    for (const [column, value] of exprOf(p)) out.set(column, value);
  return out;
}

function pascal(name: string): string {
  return (
    name
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('') || 'Result'
  );
}
