import type { Rule } from '../model.js';
import { display } from './util.js';
import { newExposedRelation } from './new-relation.js';

export const newTableWithoutRls: Rule = {
  id: 'new-table-without-rls',
  level: 'error',
  title: 'A new table in an exposed schema without RLS enabled in the same file',
  why: "The Data API serves every table of an exposed schema that a role is granted: without row level security any grant (now or a later one) gives every signed-in user every artist's rows.",
  fix: 'Enable RLS in the file that creates the table: `ALTER TABLE public.playlists ENABLE ROW LEVEL SECURITY;` (and `FORCE ROW LEVEL SECURITY` so the owner is held to it too).',
  check(ctx) {
    const rel = newExposedRelation(ctx);
    if (rel?.kind === 'table' && !rel.rls)
      ctx.report(
        `Table ${display(rel.name)} is created in an exposed schema without ENABLE ROW LEVEL SECURITY in this file.`,
        rel.location,
      );
  },
};
