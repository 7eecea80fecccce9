import type { Rule } from '../model.js';
import { relName } from '../parse.js';
import { display, stmt } from './util.js';
import { functionName } from './drop-used-object.js';

export const renameUsedObject: Rule = {
  id: 'rename-used-object',
  level: 'error',
  title: 'RENAME of a table, view, column or function the app uses',
  why: 'A rename is instant for the database and a breaking change for every client that still uses the old name: requests fail the moment the migration commits.',
  fix: 'Add the new name beside the old one, move the app, then remove the old name in a later migration: for a table, rename it and keep the old name as a view (`ALTER TABLE artists RENAME TO performers; CREATE VIEW public.artists WITH (security_invoker = true) AS SELECT * FROM public.performers;`); for a column, add the new one and keep both in sync with a trigger until old builds are gone.',
  check(ctx) {
    const r = stmt(ctx, 'RenameStmt');
    if (!r) return;
    if (r.renameType === 'OBJECT_COLUMN') {
      const name = relName(r.relation);
      if (ctx.schema.relation(name)?.columns.get(r.subname)?.appUses)
        ctx.report(
          `RENAME COLUMN ${display(name)}.${r.subname} to ${r.newname}: the app reads or writes ${r.subname}.`,
        );
    } else if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(r.renameType)) {
      const name = relName(r.relation);
      if (ctx.schema.relation(name)?.appUses)
        ctx.report(`RENAME ${display(name)} to ${r.newname}: the app uses ${display(name)}.`);
    } else if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(r.renameType)) {
      const name = functionName(r.object);
      if (name && ctx.schema.functions.get(name)?.appUses)
        ctx.report(`RENAME FUNCTION ${display(name)} to ${r.newname}: the app calls it.`);
    }
  },
};
