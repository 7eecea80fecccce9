/**
 * Reading the live schema for `dreamdb gen types`: the queries in sql/typegen/, run in one
 * read-only repeatable-read transaction so every query sees the same schema.
 */
import type { Sql } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { packagedSql } from '../db/queries.js';

export type Audience = 'client' | 'server';

export interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  /** r table, p partitioned table, v view, m materialized view, f foreign table */
  kind: 'r' | 'p' | 'v' | 'm' | 'f';
  comment: string | null;
  /** pg_relation_is_updatable: 8 INSERT, 4 UPDATE, 16 DELETE */
  updatable: number;
  client_delete: boolean;
  server_delete: boolean;
  client_rls: boolean;
  server_rls: boolean;
}

export interface ColumnRow {
  relid: string;
  name: string;
  num: number;
  type_oid: string;
  not_null: boolean;
  /** '' none, 'a' GENERATED ALWAYS AS IDENTITY, 'd' BY DEFAULT */
  identity: string;
  /** '' none, 's' stored generated column */
  generated: string;
  default_expr: string | null;
  comment: string | null;
  client_select: boolean;
  client_insert: boolean;
  client_update: boolean;
  server_select: boolean;
  server_insert: boolean;
  server_update: boolean;
}

export interface CheckRow {
  relid: string;
  name: string;
  validated: boolean;
  definition: string;
}

export interface PolicyRow {
  relid: string;
  name: string;
  /** r SELECT, a INSERT, w UPDATE, d DELETE, * ALL */
  command: 'r' | 'a' | 'w' | 'd' | '*';
  permissive: boolean;
  client_applies: boolean;
  server_applies: boolean;
  using_expr: string | null;
  check_expr: string | null;
}

export interface ForeignKeyRow {
  name: string;
  relid: string;
  target_schema: string;
  target_name: string;
  columns: string[];
  referenced_columns: string[];
  one_to_one: boolean;
}

export interface FunctionRow {
  oid: string;
  schema: string;
  name: string;
  identity: string;
  arg_types: string[];
  /** i IN, o OUT, b INOUT, v VARIADIC, t TABLE */
  arg_modes: string[];
  arg_names: string[];
  arg_defaults: number;
  return_type: string;
  returns_set: boolean;
  variadic: boolean;
  language: string;
  /** pg_get_functiondef, for SQL and PL/pgSQL functions only. */
  definition: string | null;
  comment: string | null;
  client_execute: boolean;
  server_execute: boolean;
}

export interface TypeRow {
  oid: string;
  schema: string;
  name: string;
  /** b base, c composite, d domain, e enum, p pseudo, r range, m multirange */
  typtype: string;
  category: string;
  element: string | null;
  base: string | null;
  not_null: boolean;
  relid: string | null;
  relkind: string | null;
  labels: string[];
  checks: string[];
}

export interface DeclaredTypeRow {
  oid: string;
  schema: string;
  name: string;
  typtype: 'e' | 'c';
}

export interface SchemaRow {
  name: string;
  exists: boolean;
  client_usage: boolean;
  server_usage: boolean;
}

export interface RoleRow {
  name: string;
  exists: boolean;
  bypass_rls: boolean;
}

export interface Catalog {
  schemas: SchemaRow[];
  roles: { client: RoleRow; server: RoleRow };
  relations: RelationRow[];
  columns: ColumnRow[];
  checks: CheckRow[];
  policies: PolicyRow[];
  foreignKeys: ForeignKeyRow[];
  functions: FunctionRow[];
  declaredTypes: DeclaredTypeRow[];
  types: Map<string, TypeRow>;
}

export interface CatalogOptions {
  schemas: string[];
  clientRole: string;
  serverRole: string;
}

function query(name: string): string {
  return packagedSql(`typegen/${name}.sql`);
}

/**
 * Schemas that belong to Supabase's services or to dreamdb itself: their objects are never the
 * app's API, so asking for them is a mistake rather than a wish.
 */
export const INTERNAL_SCHEMAS = [
  'auth',
  'dreamdb',
  'extensions',
  'graphql',
  'graphql_public',
  'information_schema',
  'net',
  'pgbouncer',
  'pgsodium',
  'pgsodium_masks',
  'realtime',
  'storage',
  'supabase_functions',
  'supabase_migrations',
  'vault',
  'cron',
];

export function checkSchemaNames(schemas: string[]): void {
  for (const schema of schemas) {
    if (INTERNAL_SCHEMAS.includes(schema) || schema.startsWith('pg_')) {
      throw new UsageError(
        `Schema "${schema}" is internal (Supabase's services or dreamdb's own); its objects are not the app's API.`,
        {
          hint: 'Generate types for the schemas PostgREST exposes, e.g. --schema public.',
        },
      );
    }
  }
}

export async function readCatalog(sql: Sql, options: CatalogOptions): Promise<Catalog> {
  checkSchemaNames(options.schemas);
  const { schemas, clientRole, serverRole } = options;
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const roles = await tx.unsafe<RoleRow[]>(query('roles'), [clientRole, serverRole]);
    const [client, server] = [roles[0]!, roles[1]!];
    for (const role of [client, server]) {
      if (!role.exists) {
        throw new UsageError(`Role "${role.name}" does not exist on this database.`, {
          hint: "Run `dreamdb migrate` (it installs Supabase's API roles on plain Postgres), or set types.clientRole / types.serverRole in the config.",
        });
      }
    }
    const schemaList = pgArray(schemas);
    const schemaRows = await tx.unsafe<SchemaRow[]>(query('schemas'), [schemaList, clientRole, serverRole]);
    const missing = schemaRows.filter((s) => !s.exists).map((s) => s.name);
    if (missing.length) {
      throw new UsageError(`Schema ${missing.map((s) => `"${s}"`).join(', ')} does not exist on this database.`, {
        hint: 'Check the --schema names (or types.schemas in the config), or run `dreamdb migrate`.',
      });
    }
    const roleArgs = [schemaList, clientRole, serverRole];
    const relations = await tx.unsafe<RelationRow[]>(query('relations'), roleArgs);
    const columns = await tx.unsafe<ColumnRow[]>(query('columns'), roleArgs);
    const checks = await tx.unsafe<CheckRow[]>(query('checks'), [schemaList]);
    const policies = await tx.unsafe<PolicyRow[]>(query('policies'), roleArgs);
    const foreignKeys = await tx.unsafe<ForeignKeyRow[]>(query('foreign_keys'), [schemaList]);
    const functions = await tx.unsafe<FunctionRow[]>(query('functions'), roleArgs);
    const declaredTypes = await tx.unsafe<DeclaredTypeRow[]>(query('declared_types'), [schemaList]);
    const used = new Set<string>([
      ...columns.map((c) => c.type_oid),
      ...functions.flatMap((f) => [...f.arg_types, f.return_type]),
      ...declaredTypes.map((t) => t.oid),
    ]);
    const typeRows = await tx.unsafe<TypeRow[]>(query('types'), [pgArray([...used])]);
    return {
      schemas: [...schemaRows],
      roles: { client, server },
      relations: [...relations],
      columns: [...columns],
      checks: [...checks],
      policies: [...policies],
      foreignKeys: [...foreignKeys],
      functions: [...functions],
      declaredTypes: [...declaredTypes],
      types: new Map(typeRows.map((t) => [t.oid, t])),
    };
  });
}

/** A Postgres array literal: the driver would send a JS array as "a,b" under our type settings. */
function pgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
