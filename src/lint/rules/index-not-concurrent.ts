import type { Rule } from '../model.js';
import { relName } from '../parse.js';
import { display, existing, stmt } from './util.js';

export const indexNotConcurrent: Rule = {
  id: 'index-not-concurrent',
  level: 'error',
  title: 'CREATE INDEX without CONCURRENTLY on a table that already exists',
  why: 'A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits, for minutes on a large table.',
  fix: 'Build it concurrently in a "-- dreamdb:no-transaction" file: `CREATE INDEX CONCURRENTLY IF NOT EXISTS metrics_day_idx ON public.metrics (day);` (dreamdb drops and rebuilds an INVALID leftover).',
  check(ctx) {
    const index = stmt(ctx, 'IndexStmt');
    if (!index || index.concurrent) return;
    const table = relName(index.relation);
    if (!existing(ctx, table)) return;
    ctx.report(
      `CREATE INDEX on ${display(table)}, which already exists, without CONCURRENTLY: writes to it wait for the whole build.`,
      index.relation?.location,
    );
  },
};
