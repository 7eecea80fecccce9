/**
 * Statements that must not appear in a file dreamdb runs in one transaction: a COMMIT commits
 * half the file (and the rest runs in autocommit), a ROLLBACK or SAVEPOINT breaks the file's
 * all-or-nothing promise, and a role switch makes the ledger row fail or be written as someone
 * else. Shared by migrate (refuses before anything runs) and the migration lint.
 */
import { lineAndColumn, type Statement } from '../db/sqlfile.js';

export interface TransactionControl {
  /** 1-based line and column of the statement in the file. */
  line: number;
  column: number;
  /** The statement as written, e.g. `COMMIT` or `SET ROLE admin`. */
  statement: string;
  /** What to do instead. */
  fix: string;
}

const TRANSACTION_FIX =
  'remove it: dreamdb runs the whole file in one transaction with its ledger row; start the file with `-- dreamdb:no-transaction` for statements that must run outside one';
const ROLE_FIX =
  'remove it: the file and its ledger row run as the migrating user; create objects as that user and hand them over with `ALTER … OWNER TO <role>` or GRANT';

/** What to do instead, when the parsed statement is transaction control or a role switch. */
export function controlFix(node: Record<string, unknown> | undefined): string | undefined {
  if (!node) return undefined;
  if ('TransactionStmt' in node) return TRANSACTION_FIX;
  const set = node.VariableSetStmt as { name?: string } | undefined;
  if (set && (set.name === 'role' || set.name === 'session_authorization')) return ROLE_FIX;
  return undefined;
}

/** Every transaction-control or role-switching statement among a file's parsed statements. */
export function findTransactionControl(fileText: string, statements: Statement[]): TransactionControl[] {
  const out: TransactionControl[] = [];
  for (const s of statements) {
    const fix = controlFix(s.node);
    if (!fix) continue;
    const { line, column } = lineAndColumn(fileText, s.offset);
    out.push({ line, column, statement: s.text.replace(/\s+/g, ' ').slice(0, 60), fix });
  }
  return out;
}
