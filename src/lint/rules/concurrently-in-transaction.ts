import { as, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { alterCommands, inTransaction, stmt } from './util.js';

export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  level: 'error',
  title: 'CONCURRENTLY (or VACUUM) in a transactional file',
  why: 'CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY and VACUUM cannot run inside a transaction block: the file fails at deploy time ("cannot run inside a transaction block").',
  fix: 'Put the statement in its own file whose first line is `-- dreamdb:no-transaction` (`dreamdb migration new add_metrics_day_idx --no-transaction`).',
  check(ctx) {
    if (!inTransaction(ctx)) return;
    const index = stmt(ctx, 'IndexStmt');
    if (index?.concurrent)
      return ctx.report(
        'CREATE INDEX CONCURRENTLY in a transactional file fails: it cannot run inside a transaction block.',
      );
    const drop = stmt(ctx, 'DropStmt');
    if (drop?.concurrent)
      return ctx.report(
        'DROP INDEX CONCURRENTLY in a transactional file fails: it cannot run inside a transaction block.',
      );
    const reindex = stmt(ctx, 'ReindexStmt');
    if ((reindex?.params ?? []).some((p: PgNode) => as(p, 'DefElem')?.defname === 'concurrently'))
      return ctx.report(
        'REINDEX CONCURRENTLY in a transactional file fails: it cannot run inside a transaction block.',
      );
    if (stmt(ctx, 'VacuumStmt'))
      return ctx.report(
        `${stmt(ctx, 'VacuumStmt')!.is_vacuumcmd ? 'VACUUM' : 'ANALYZE'} in a transactional file${stmt(ctx, 'VacuumStmt')!.is_vacuumcmd ? ' fails: it cannot run inside a transaction block' : ''}.`,
      );
    for (const { cmd } of alterCommands(ctx)) {
      if (cmd.subtype === 'AT_DetachPartition' && as(cmd.def, 'PartitionCmd')?.concurrent)
        return ctx.report(
          'DETACH PARTITION CONCURRENTLY in a transactional file fails: it cannot run inside a transaction block.',
        );
    }
  },
};
