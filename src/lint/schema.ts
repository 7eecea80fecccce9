/**
 * What the lint knows about the database a file will run against: which relations and functions
 * exist (and so may hold data or be read by the app), their columns' types, RLS, and which of
 * them the app uses. Loaded from the target's catalog when one is reachable, else built by
 * replaying the earlier migration files' statements through `apply`.
 */
import { as, strings, type PgNode } from '../typegen/expressions.js';
import { qualified, relName } from './parse.js';

/** Schemas the Data API serves (PostgREST's db_schemas on Supabase, plus storage's API). */
export const EXPOSED_SCHEMAS = new Set(['public', 'graphql_public', 'storage']);
/** The roles a client request runs as. */
export const API_ROLES = new Set(['anon', 'authenticated']);

export interface ColumnInfo {
  type: string;
  notNull: boolean;
  /** The app reads or writes it (a grant to an API role, or a view over it). */
  appUses: boolean;
}

export interface RelationInfo {
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'matview' | 'other';
  /** Existed before the run being linted (and so may hold rows, or be read by the app). */
  existing: boolean;
  rls: boolean;
  appUses: boolean;
  columns: Map<string, ColumnInfo>;
  /** Validated CHECK (col IS NOT NULL) constraints, by constraint name. */
  notNullChecks: Map<string, { column: string; validated: boolean }>;
}

export interface FunctionInfo {
  existing: boolean;
  appUses: boolean;
  volatility: 'v' | 's' | 'i';
}

export class SchemaModel {
  readonly relations = new Map<string, RelationInfo>();
  /** By qualified name; overloads share one entry (the lint names functions, not signatures). */
  readonly functions = new Map<string, FunctionInfo>();
  /** True when the knowledge came from files: a name they never created may still exist. */
  unknownExists = false;

  relation(name: string | undefined): RelationInfo | undefined {
    return name ? this.relations.get(name) : undefined;
  }

  /** From here on everything known counts as existing (the next file runs on a later deploy). */
  markAllExisting(): void {
    for (const r of this.relations.values()) r.existing = true;
    for (const f of this.functions.values()) f.existing = true;
  }

  /** Updates the model with the effect of one statement. `existing` marks what it creates. */
  apply(node: PgNode, existing: boolean): void {
    const [kind] = Object.keys(node);
    const body = (kind ? node[kind] : undefined) as PgNode | undefined;
    if (!kind || !body) return;
    switch (kind) {
      case 'CreateStmt':
        return this.createTable(body, existing);
      case 'ViewStmt':
        return this.createView(relName(body.view), body.query, 'view', existing);
      case 'CreateTableAsStmt':
        return this.createView(
          relName(as(body.into, 'IntoClause')?.rel),
          body.query,
          body.objtype === 'OBJECT_MATVIEW' ? 'matview' : 'table',
          existing,
        );
      case 'AlterTableStmt':
        return this.alterTable(body);
      case 'RenameStmt':
        return this.rename(body);
      case 'DropStmt':
        return this.drop(body);
      case 'GrantStmt':
        return this.grant(body);
      case 'CreateFunctionStmt':
        return this.createFunction(body, existing);
    }
  }

  private createTable(body: PgNode, existing: boolean): void {
    const name = relName(body.relation);
    if (!name) return;
    const [schema, rel] = splitName(name);
    const info: RelationInfo = {
      schema,
      name: rel,
      kind: 'table',
      existing,
      rls: false,
      appUses: false,
      columns: new Map(),
      notNullChecks: new Map(),
    };
    for (const elt of body.tableElts ?? []) {
      const col = as(elt, 'ColumnDef');
      if (col?.colname) {
        const notNull = (col.constraints ?? []).some((c: PgNode) =>
          ['CONSTR_NOTNULL', 'CONSTR_PRIMARY'].includes(as(c, 'Constraint')?.contype),
        );
        info.columns.set(col.colname, { type: typeText(col.typeName), notNull, appUses: false });
      }
      this.noteCheck(info, as(elt, 'Constraint'));
    }
    if (!this.relations.has(name) || !body.if_not_exists) this.relations.set(name, info);
  }

  private createView(
    name: string | undefined,
    query: PgNode | undefined,
    kind: RelationInfo['kind'],
    existing: boolean,
  ): void {
    if (!name) return;
    const [schema, rel] = splitName(name);
    this.relations.set(name, {
      schema,
      name: rel,
      kind,
      existing,
      rls: false,
      appUses: false,
      columns: new Map(),
      notNullChecks: new Map(),
    });
    // The app reads what its views read: the relations and columns a view names are in use once
    // the view is granted; tracked eagerly because views exist to be read.
    const referenced = collect(query, 'RangeVar')
      .map((rv) => this.relation(relName(rv)))
      .filter((r): r is RelationInfo => Boolean(r));
    const columns = new Set(
      collect(query, 'ColumnRef')
        .map((c) => strings(c.fields).at(-1))
        .filter((c): c is string => Boolean(c)),
    );
    for (const r of referenced) {
      if (!EXPOSED_SCHEMAS.has(schema)) continue;
      r.appUses = true;
      for (const [colName, col] of r.columns) if (columns.has(colName) || columns.size === 0) col.appUses = true;
    }
  }

  private alterTable(body: PgNode): void {
    const rel = this.relation(relName(body.relation));
    if (!rel) return;
    for (const c of body.cmds ?? []) {
      const cmd = as(c, 'AlterTableCmd');
      if (!cmd) continue;
      switch (cmd.subtype) {
        case 'AT_EnableRowSecurity':
        case 'AT_ForceRowSecurity':
          rel.rls = true;
          break;
        case 'AT_DisableRowSecurity':
          rel.rls = false;
          break;
        case 'AT_AddColumn': {
          const col = as(cmd.def, 'ColumnDef');
          if (col?.colname)
            rel.columns.set(col.colname, { type: typeText(col.typeName), notNull: false, appUses: false });
          break;
        }
        case 'AT_DropColumn':
          rel.columns.delete(cmd.name);
          break;
        case 'AT_AlterColumnType': {
          const col = rel.columns.get(cmd.name);
          if (col) col.type = typeText(as(cmd.def, 'ColumnDef')?.typeName);
          break;
        }
        case 'AT_SetNotNull': {
          const col = rel.columns.get(cmd.name);
          if (col) col.notNull = true;
          break;
        }
        case 'AT_AddConstraint':
          this.noteCheck(rel, as(cmd.def, 'Constraint'));
          break;
        case 'AT_ValidateConstraint': {
          const check = rel.notNullChecks.get(cmd.name);
          if (check) check.validated = true;
          break;
        }
      }
    }
  }

  private noteCheck(rel: RelationInfo, con: PgNode | undefined): void {
    if (con?.contype !== 'CONSTR_CHECK') return;
    const column = notNullColumn(con.raw_expr);
    if (column) rel.notNullChecks.set(con.conname ?? `${column}_not_null`, { column, validated: !con.skip_validation });
  }

  private rename(body: PgNode): void {
    if (body.renameType === 'OBJECT_COLUMN') {
      const rel = this.relation(relName(body.relation));
      const col = rel?.columns.get(body.subname);
      if (rel && col) {
        rel.columns.delete(body.subname);
        rel.columns.set(body.newname, col);
      }
      return;
    }
    if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(body.renameType)) {
      const name = relName(body.relation);
      const rel = this.relation(name);
      if (rel && name) {
        this.relations.delete(name);
        rel.name = body.newname;
        this.relations.set(`${rel.schema}.${rel.name}`, rel);
      }
      return;
    }
    if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(body.renameType)) {
      const name = qualified(strings(as(body.object, 'ObjectWithArgs')?.objname));
      const fn = name ? this.functions.get(name) : undefined;
      if (fn && name) {
        this.functions.delete(name);
        this.functions.set(`${splitName(name)[0]}.${body.newname}`, fn);
      }
    }
  }

  private drop(body: PgNode): void {
    for (const object of body.objects ?? []) {
      if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(body.removeType)) {
        const name = qualified(strings(as(object, 'List')?.items));
        if (name) this.relations.delete(name);
      } else if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(body.removeType)) {
        const name = qualified(strings(as(object, 'ObjectWithArgs')?.objname));
        if (name) this.functions.delete(name);
      }
    }
  }

  private grant(body: PgNode): void {
    if (!body.is_grant) return;
    const toApi = (body.grantees ?? []).some(
      (g: PgNode) => API_ROLES.has(as(g, 'RoleSpec')?.rolename) || as(g, 'RoleSpec')?.roletype === 'ROLESPEC_PUBLIC',
    );
    if (!toApi || body.targtype !== 'ACL_TARGET_OBJECT') return;
    const columns = (body.privileges ?? []).flatMap((p: PgNode) => strings(as(p, 'AccessPriv')?.cols));
    if (body.objtype === 'OBJECT_TABLE') {
      for (const object of body.objects ?? []) {
        const rel = this.relation(relName(as(object, 'RangeVar')));
        if (!rel) continue;
        rel.appUses = true;
        for (const [name, col] of rel.columns) if (!columns.length || columns.includes(name)) col.appUses = true;
      }
    } else if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(body.objtype)) {
      for (const object of body.objects ?? []) {
        const name = qualified(strings(as(object, 'ObjectWithArgs')?.objname));
        const fn = name ? this.functions.get(name) : undefined;
        if (fn && name && EXPOSED_SCHEMAS.has(splitName(name)[0])) fn.appUses = true;
      }
    }
  }

  private createFunction(body: PgNode, existing: boolean): void {
    const name = qualified(strings(body.funcname));
    if (!name) return;
    let volatility: FunctionInfo['volatility'] = 'v';
    for (const o of body.options ?? []) {
      const opt = as(o, 'DefElem');
      if (opt?.defname === 'volatility')
        volatility = (as(opt.arg, 'String')?.sval ?? 'volatile')[0] as FunctionInfo['volatility'];
    }
    const before = this.functions.get(name);
    this.functions.set(name, { existing: before?.existing ?? existing, appUses: before?.appUses ?? false, volatility });
  }
}

export function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** A type name as format_type() would roughly print it: `varchar(20)`, `int8`, `text`. */
export function typeText(typeName: PgNode | undefined): string {
  if (!typeName) return '';
  const names = strings(typeName.names).filter((n) => n !== 'pg_catalog');
  const mods = (typeName.typmods ?? [])
    .map((m: PgNode) => as(m, 'A_Const')?.ival?.ival)
    .filter((v: unknown) => v !== undefined);
  const array = typeName.arrayBounds ? '[]' : '';
  return `${ALIASES[names.join('.')] ?? names.join('.')}${mods.length ? `(${mods.join(',')})` : ''}${array}`;
}

/** format_type() names for the parser's internal names. */
const ALIASES: Record<string, string> = {
  varchar: 'character varying',
  bpchar: 'character',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  float8: 'double precision',
  float4: 'real',
  bool: 'boolean',
  timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  timetz: 'time with time zone',
  time: 'time without time zone',
};

/** `col IS NOT NULL` → col. */
export function notNullColumn(expr: PgNode | undefined): string | undefined {
  const test = as(expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  return strings(as(test.arg, 'ColumnRef')?.fields).at(-1);
}

/** Every node of a type anywhere under root. */
export function collect(root: unknown, type: string): PgNode[] {
  const out: PgNode[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === type && value && typeof value === 'object') out.push(value as PgNode);
        walk(value);
      }
    }
  };
  walk(root);
  return out;
}
