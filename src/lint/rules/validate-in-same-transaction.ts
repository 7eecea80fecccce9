import type { Rule } from '../model.js';
import { alterCommands, display, inTransaction } from './util.js';

export const validateInSameTransaction: Rule = {
  id: 'validate-in-same-transaction',
  level: 'warn',
  title: 'VALIDATE CONSTRAINT in the same transaction that added it NOT VALID',
  why: 'The ADD ... NOT VALID took its strong lock (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE for a foreign key) and keeps it until the file commits, so the validation scan runs under it anyway: NOT VALID gains nothing.',
  fix: 'Move `ALTER TABLE t VALIDATE CONSTRAINT c;` into a later migration file (or make this file `-- dreamdb:no-transaction`, so each statement commits on its own).',
  check(ctx) {
    if (!inTransaction(ctx)) return;
    const addedHere = new Set<string>();
    ctx.file.statements.slice(0, ctx.index).forEach((s) => {
      const cmds = (s.node.AlterTableStmt?.cmds ?? []) as {
        AlterTableCmd?: { subtype?: string; def?: { Constraint?: { skip_validation?: boolean; conname?: string } } };
      }[];
      for (const c of cmds) {
        const con = c.AlterTableCmd?.def?.Constraint;
        if (c.AlterTableCmd?.subtype === 'AT_AddConstraint' && con?.skip_validation && con.conname)
          addedHere.add(con.conname);
      }
    });
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      if (cmd.subtype === 'AT_ValidateConstraint' && addedHere.has(cmd.name)) {
        ctx.report(
          `VALIDATE CONSTRAINT ${cmd.name} on ${display(relation)} runs in the transaction that added it NOT VALID, under the same strong lock; validate in a later file.`,
          location,
        );
      }
    }
  },
};
