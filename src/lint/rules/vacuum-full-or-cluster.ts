import { as, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { relName } from '../parse.js';
import { display, stmt } from './util.js';

export const vacuumFullOrCluster: Rule = {
  id: 'vacuum-full-or-cluster',
  level: 'error',
  title: 'VACUUM FULL or CLUSTER',
  why: 'Both rewrite the whole table under ACCESS EXCLUSIVE: every read and write waits until the copy is done, and the copy needs as much free disk again as the table.',
  fix: 'Leave bloat to autovacuum, or rebuild online with pg_repack (`pg_repack --table public.metrics`) outside the migration; REINDEX ... CONCURRENTLY for a bloated index.',
  check(ctx) {
    const v = stmt(ctx, 'VacuumStmt');
    if (v && (v.options ?? []).some((o: PgNode) => as(o, 'DefElem')?.defname === 'full')) {
      const names = (v.rels ?? []).map((r: PgNode) => display(relName(as(r, 'VacuumRelation')?.relation)));
      ctx.report(`VACUUM FULL ${names.join(', ') || '(every table)'} rewrites under ACCESS EXCLUSIVE.`);
    }
    const c = stmt(ctx, 'ClusterStmt');
    if (c)
      ctx.report(
        `CLUSTER ${c.relation ? display(relName(c.relation)) : '(every clustered table)'} rewrites under ACCESS EXCLUSIVE.`,
      );
  },
};
