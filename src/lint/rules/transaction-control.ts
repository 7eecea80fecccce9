import type { Rule } from '../model.js';
import { controlFix } from '../../migrate/transaction-control.js';
import { inTransaction } from './util.js';

/** The same statements migrate refuses before it runs anything (src/migrate/transaction-control.ts). */
export const transactionControl: Rule = {
  id: 'transaction-control-in-transaction',
  level: 'error',
  title: 'BEGIN / COMMIT / ROLLBACK / SAVEPOINT or a role switch in a transactional file',
  why: 'dreamdb runs the file in one transaction with its ledger row: a COMMIT in the middle commits half the file and runs the rest in autocommit, so a later failure leaves the database half-migrated and the ledger unaware; a ROLLBACK or SAVEPOINT breaks the all-or-nothing promise, and SET ROLE makes the ledger row fail or be written as someone else.',
  fix: 'Remove the transaction statements (the file already is one transaction), or split the work into several files; for statements that cannot run in a transaction use a `-- dreamdb:no-transaction` file. Instead of SET ROLE, create objects as the migrating user and hand them over with ALTER ... OWNER TO or GRANT.',
  check(ctx) {
    if (!inTransaction(ctx)) return;
    const fix = controlFix(ctx.statement.node as Record<string, unknown>);
    if (fix) ctx.report(`${ctx.statement.text.trim().split(/\s/)[0]!.toUpperCase()} in a transactional file: ${fix}.`);
  },
};
