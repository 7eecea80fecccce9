import type { Rule } from '../model.js';
import { alterCommands, display, existing } from './util.js';

export const constraintBuildsIndex: Rule = {
  id: 'constraint-builds-index',
  level: 'error',
  title: 'ADD PRIMARY KEY / UNIQUE without USING INDEX on a table that already exists',
  why: 'The constraint builds its unique index while holding ACCESS EXCLUSIVE on the table (and a primary key also scans for NULLs): every read and write waits for the whole build.',
  fix: 'Build the index concurrently in a no-transaction file, then attach it: `CREATE UNIQUE INDEX CONCURRENTLY tasks_ref_key ON tasks (ref);` then `ALTER TABLE tasks ADD CONSTRAINT tasks_ref_key UNIQUE USING INDEX tasks_ref_key;`',
  check(ctx) {
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      const con = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
      if (
        !con ||
        !['CONSTR_PRIMARY', 'CONSTR_UNIQUE'].includes(con.contype) ||
        con.indexname ||
        !existing(ctx, relation)
      )
        continue;
      const what = con.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      ctx.report(
        `ADD ${what} on ${display(relation)} builds its index under ACCESS EXCLUSIVE; build it CONCURRENTLY and add the constraint USING INDEX.`,
        location,
      );
    }
  },
};
