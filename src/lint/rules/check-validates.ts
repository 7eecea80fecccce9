import type { Rule } from '../model.js';
import { alterCommands, display, existing } from './util.js';

export const checkValidates: Rule = {
  id: 'check-validates',
  level: 'error',
  title: 'ADD CHECK without NOT VALID on a table that already exists',
  why: 'Adding a CHECK constraint scans the whole table under ACCESS EXCLUSIVE: every read and write of the table waits until the scan ends.',
  fix: 'Add it NOT VALID, then validate in a later file: `ALTER TABLE metrics ADD CONSTRAINT metrics_followers_nonneg CHECK (followers >= 0) NOT VALID;` then `ALTER TABLE metrics VALIDATE CONSTRAINT metrics_followers_nonneg;`',
  check(ctx) {
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      const con = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
      if (con?.contype !== 'CONSTR_CHECK' || con.skip_validation || !existing(ctx, relation)) continue;
      ctx.report(
        `CHECK ${con.conname ? `${con.conname} ` : ''}on ${display(relation)} scans every row under ACCESS EXCLUSIVE; add it NOT VALID and VALIDATE later.`,
        location,
      );
    }
  },
};
