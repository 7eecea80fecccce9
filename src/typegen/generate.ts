/**
 * `dreamdb gen types` as a library: read the catalog, build the model, print the module.
 */
import type { Sql } from '../db/connect.js';
import { readCatalog } from './catalog.js';
import { loadParser } from './expressions.js';
import { buildModel, type SchemaTypes, type TypesModel } from './model.js';
import { renderModule } from './render.js';

export interface GenerateOptions {
  schemas: string[];
  clientRole: string;
  serverRole: string;
  postgrestVersion: string;
  /** "schema.function" or "schema.table.column" → a TypeScript type for its JSON. */
  jsonTypes: Record<string, string>;
  /** dreamdb's version, for the header. */
  version: string;
}

export interface Generated {
  text: string;
  model: TypesModel;
}

export async function generateTypes(sql: Sql, options: GenerateOptions): Promise<Generated> {
  await loadParser();
  const catalog = await readCatalog(sql, options);
  const model = buildModel(catalog, { schemas: options.schemas, jsonTypes: options.jsonTypes });
  return { text: renderModule(model, options), model };
}

export interface Counts {
  tables: number;
  views: number;
  functions: number;
}

/** Tables, views and functions of the client's and the server's types. */
export function countTypes(model: TypesModel): { client: Counts; server: Counts } {
  const of = (schemas: SchemaTypes[]): Counts => ({
    tables: schemas.reduce((n, s) => n + s.tables.length, 0),
    views: schemas.reduce((n, s) => n + s.views.length, 0),
    functions: schemas.reduce((n, s) => n + s.functions.length, 0),
  });
  return { client: of(model.client), server: of(model.server) };
}
