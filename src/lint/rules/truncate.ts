import { as, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { relName } from '../parse.js';
import { display, stmt } from './util.js';

export const truncate: Rule = {
  id: 'truncate',
  level: 'error',
  title: 'TRUNCATE',
  why: 'TRUNCATE takes ACCESS EXCLUSIVE (every read waits) and deletes every row without row-level triggers or RLS; in a migration it usually runs against production data nobody meant to lose.',
  fix: "Delete what you mean to delete, in batches: `DELETE FROM notifications WHERE created_at < now() - interval '90 days';` or drop a retired partition after DETACH ... CONCURRENTLY.",
  check(ctx) {
    const t = stmt(ctx, 'TruncateStmt');
    if (!t) return;
    const names = (t.relations ?? []).map((r: PgNode) => display(relName(as(r, 'RangeVar'))));
    ctx.report(`TRUNCATE ${names.join(', ')} takes ACCESS EXCLUSIVE and deletes every row.`);
  },
};
