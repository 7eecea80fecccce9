import type { Rule } from '../model.js';
import { inTransaction, stmt } from './util.js';

// TODO(#12): migrate's own refusal of these files lives in the reliability work; once its
// exported detector is on main, call it here instead of this list.
const CONTROL = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_ROLLBACK_PREPARED']);

export const transactionControl: Rule = {
  id: 'transaction-control-in-transaction',
  level: 'error',
  title: 'BEGIN / COMMIT / ROLLBACK in a transactional file',
  why: 'dreamdb runs the file in one transaction with its ledger row: a COMMIT in the middle commits half the file and runs the rest in autocommit, so a later failure leaves the database half-migrated and the ledger unaware.',
  fix: 'Remove the transaction statements (the file already is one transaction), or split the work into several files; for statements that cannot run in a transaction use a `-- dreamdb:no-transaction` file.',
  check(ctx) {
    const t = stmt(ctx, 'TransactionStmt');
    if (t && inTransaction(ctx) && CONTROL.has(t.kind)) ctx.report(`${ctx.statement.text.split(/\s/)[0]!.toUpperCase()} in a transactional file: dreamdb already wraps the file in one transaction.`);
  },
};
