import type { Rule } from '../model.js';
import { display } from './util.js';
import { newExposedRelation } from './new-relation.js';

export const newTableWithoutGrants: Rule = {
  id: 'new-table-without-grants',
  level: 'warn',
  title: 'A new table or view in an exposed schema without explicit grants in the same file',
  why: 'Supabase no longer grants new tables to anon/authenticated/service_role automatically (every project since 2026-10-30): without a GRANT the app gets 42501 "permission denied"; on a server that still auto-grants, it gets everything including TRUNCATE.',
  fix: 'Say who may do what, in the same file: `REVOKE ALL ON public.playlists FROM anon, authenticated; GRANT SELECT, INSERT, UPDATE (title), DELETE ON public.playlists TO authenticated;` A server-only table says so with `REVOKE ALL ON public.jobs FROM anon, authenticated;`.',
  check(ctx) {
    const rel = newExposedRelation(ctx);
    if (rel && !rel.granted && !rel.revoked)
      ctx.report(
        `${rel.kind === 'table' ? 'Table' : 'View'} ${display(rel.name)} gets no GRANT in this file: the app's roles get 42501 on Supabase (or the platform's broad defaults elsewhere).`,
        rel.location,
      );
  },
};
