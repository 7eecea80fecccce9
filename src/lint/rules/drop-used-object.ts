import { as, strings, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { qualified } from '../parse.js';
import { alterCommands, display, stmt } from './util.js';

const RELATIONS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
};
const FUNCTIONS: Record<string, string> = {
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_ROUTINE: 'routine',
};

export const dropUsedObject: Rule = {
  id: 'drop-used-object',
  level: 'error',
  title: 'DROP of a table, view, column or function the app uses',
  why: 'The running app (and every installed mobile build, which updates slowly) still reads it: requests fail with 42P01 / 42703 / 42883 the moment the migration commits, before a new app version can ship.',
  fix: 'Expand and contract: ship an app version that stops using it, wait until old builds are gone, then drop it in a later migration. For a column, revoke it from the API roles first (`REVOKE SELECT (legacy_col) ON artists FROM authenticated;`) and drop it a release later.',
  check(ctx) {
    const drop = stmt(ctx, 'DropStmt');
    if (drop) {
      for (const object of drop.objects ?? []) {
        if (RELATIONS[drop.removeType]) {
          const name = qualified(strings(as(object, 'List')?.items));
          if (ctx.schema.relation(name)?.appUses)
            ctx.report(
              `DROP ${RELATIONS[drop.removeType]!.toUpperCase()} ${display(name)}: the app uses it (granted to the API roles or read by a view).`,
            );
        } else if (FUNCTIONS[drop.removeType]) {
          const name = qualified(strings(as(object, 'ObjectWithArgs')?.objname));
          if (name && ctx.schema.functions.get(name)?.appUses)
            ctx.report(
              `DROP ${FUNCTIONS[drop.removeType]!.toUpperCase()} ${display(name)}: the app calls it (executable by the API roles).`,
            );
        }
      }
    }
    for (const { cmd, relation } of alterCommands(ctx)) {
      if (cmd.subtype !== 'AT_DropColumn') continue;
      if (ctx.schema.relation(relation)?.columns.get(cmd.name)?.appUses)
        ctx.report(`DROP COLUMN ${display(relation)}.${cmd.name}: the app reads or writes it.`);
    }
  },
};

export function functionName(object: PgNode | undefined): string | undefined {
  return qualified(strings(as(object, 'ObjectWithArgs')?.objname));
}
