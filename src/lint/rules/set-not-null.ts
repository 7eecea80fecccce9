import type { Rule } from '../model.js';
import { alterCommands, display, existing } from './util.js';

export const setNotNull: Rule = {
  id: 'set-not-null-scans',
  level: 'error',
  title: 'SET NOT NULL without a validated CHECK (col IS NOT NULL)',
  why: 'SET NOT NULL scans the whole table under ACCESS EXCLUSIVE to prove there is no NULL: every read and write waits. Since PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT NULL) already proves it.',
  fix: 'In one file `ALTER TABLE tasks ADD CONSTRAINT tasks_due_nn CHECK (due_date IS NOT NULL) NOT VALID;`, in a later one `ALTER TABLE tasks VALIDATE CONSTRAINT tasks_due_nn;` then `ALTER TABLE tasks ALTER COLUMN due_date SET NOT NULL;` (instant) and drop the CHECK.',
  check(ctx) {
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      if (cmd.subtype !== 'AT_SetNotNull') continue;
      const rel = existing(ctx, relation);
      if (!rel) continue;
      if (rel !== true) {
        if (rel.columns.get(cmd.name)?.notNull) continue;
        if ([...rel.notNullChecks.values()].some((c) => c.column === cmd.name && c.validated)) continue;
      }
      ctx.report(
        `SET NOT NULL on ${display(relation)}.${cmd.name} scans every row under ACCESS EXCLUSIVE: no validated CHECK (${cmd.name} IS NOT NULL) proves it first.`,
        location,
      );
    }
  },
};
