import { as, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { relName } from '../parse.js';
import { display, stmt } from './util.js';

export const LOCK_MODES = [
  '',
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

export const lockTable: Rule = {
  id: 'lock-table',
  level: 'warn',
  title: 'LOCK TABLE',
  why: 'An explicit lock is held until the file commits: in the default ACCESS EXCLUSIVE mode every read and write of the table queues behind it, and everything the rest of the file does runs while they wait.',
  fix: 'Take no explicit lock: dreamdb already runs DDL with a short lock_timeout and retries. If you must serialise, lock in the weakest mode that works (`LOCK TABLE metrics IN SHARE ROW EXCLUSIVE MODE;`) right before the statement that needs it, at the end of the file.',
  check(ctx) {
    const l = stmt(ctx, 'LockStmt');
    if (!l) return;
    const names = (l.relations ?? []).map((r: PgNode) => display(relName(as(r, 'RangeVar'))));
    const mode = LOCK_MODES[l.mode ?? 8] ?? 'ACCESS EXCLUSIVE';
    ctx.report(
      `LOCK TABLE ${names.join(', ')} IN ${mode} MODE holds it until the file commits${l.mode >= 5 ? ': writes wait' : ''}${l.mode >= 8 ? ' and reads wait' : ''}.`,
    );
  },
};
