import type { Rule } from '../model.js';
import { relName } from '../parse.js';
import { alterCommands, display, existing } from './util.js';

export const foreignKeyValidates: Rule = {
  id: 'foreign-key-validates',
  level: 'error',
  title: 'ADD FOREIGN KEY without NOT VALID on a table that already exists',
  why: 'Adding a foreign key checks every existing row while holding SHARE ROW EXCLUSIVE on both tables: writes to the table and to the table it references wait for the whole scan.',
  fix: 'Add it NOT VALID (instant), then validate in a later file (VALIDATE takes only SHARE UPDATE EXCLUSIVE, so reads and writes go on): `ALTER TABLE tasks ADD CONSTRAINT tasks_artist_fk FOREIGN KEY (artist_id) REFERENCES artists (id) NOT VALID;` then `ALTER TABLE tasks VALIDATE CONSTRAINT tasks_artist_fk;`',
  check(ctx) {
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      const con = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
      if (con?.contype !== 'CONSTR_FOREIGN' || con.skip_validation || !existing(ctx, relation)) continue;
      ctx.report(
        `FOREIGN KEY on ${display(relation)} (references ${display(relName(con.pktable))}) validates every row while writes to both tables wait; add it NOT VALID and VALIDATE later.`,
        location,
      );
    }
  },
};
