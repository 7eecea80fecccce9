/** The lint's knowledge from the target's catalog: what exists, and what the app uses. */
import type { Sql } from '../db/connect.js';
import { packagedSql } from '../db/queries.js';
import { loadParser, parseCheck } from '../typegen/expressions.js';
import { EXPOSED_SCHEMAS, notNullColumn, SchemaModel, type RelationInfo } from './schema.js';

const KINDS: Record<string, RelationInfo['kind']> = { r: 'table', p: 'table', v: 'view', m: 'matview', f: 'other' };

interface RelationRow {
  schema: string;
  name: string;
  kind: string;
  rls: boolean;
  app_uses: boolean;
  columns: { name: string; type: string; notNull: boolean; appUses: boolean }[];
  checks: { name: string; definition: string; validated: boolean }[];
}

export async function schemaFromCatalog(sql: Sql): Promise<SchemaModel> {
  await loadParser();
  const schemas = [...EXPOSED_SCHEMAS];
  const model = new SchemaModel();
  const relations = await sql.unsafe<RelationRow[]>(packagedSql('lint/relations.sql'), [schemas]);
  for (const r of relations) {
    const info: RelationInfo = {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.kind] ?? 'other',
      existing: true,
      rls: r.rls,
      appUses: r.app_uses,
      columns: new Map(r.columns.map((c) => [c.name, { type: c.type, notNull: c.notNull, appUses: c.appUses }])),
      notNullChecks: new Map(),
    };
    for (const check of r.checks) {
      const column = notNullColumn(parseCheck(check.definition));
      if (column) info.notNullChecks.set(check.name, { column, validated: check.validated });
    }
    model.relations.set(`${r.schema}.${r.name}`, info);
  }
  const functions = await sql.unsafe<
    { schema: string; name: string; volatility: 'v' | 's' | 'i'; app_uses: boolean }[]
  >(packagedSql('lint/functions.sql'), [schemas]);
  for (const f of functions)
    model.functions.set(`${f.schema}.${f.name}`, { existing: true, appUses: f.app_uses, volatility: f.volatility });
  return model;
}
