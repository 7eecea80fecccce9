import { as, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { alterCommands, display, existing } from './util.js';

export const addColumnNotNull: Rule = {
  id: 'add-column-not-null-without-default',
  level: 'error',
  title: 'ADD COLUMN ... NOT NULL without a default on a table that already exists',
  why: 'Existing rows would hold NULL in the new column, so the statement fails on any table that has rows: the deploy breaks on production while it passed on an empty development database.',
  fix: 'Give it a constant default (stored in the catalog, no rewrite): `ALTER TABLE tasks ADD COLUMN priority int NOT NULL DEFAULT 0;` or add it nullable, backfill, then add a NOT VALID CHECK, VALIDATE it, and SET NOT NULL.',
  check(ctx) {
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      const col = cmd.subtype === 'AT_AddColumn' ? as(cmd.def, 'ColumnDef') : undefined;
      if (!col || !existing(ctx, relation)) continue;
      const types = (col.constraints ?? []).map((c: PgNode) => as(c, 'Constraint')?.contype);
      const notNull = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY');
      const filled =
        types.some((t: string) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(t)) ||
        /serial/.test(JSON.stringify(col.typeName?.names ?? []));
      if (notNull && !filled)
        ctx.report(
          `ADD COLUMN ${col.colname} NOT NULL on ${display(relation)} has no default: it fails as soon as the table has a row.`,
          col.location ?? location,
        );
    }
  },
};
