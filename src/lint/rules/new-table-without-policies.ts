import type { Rule } from '../model.js';
import { display } from './util.js';
import { newExposedRelation } from './new-relation.js';

export const newTableWithoutPolicies: Rule = {
  id: 'new-table-without-policies',
  level: 'warn',
  title: 'A new table in an exposed schema without policies in the same file',
  why: 'With RLS enabled and no policy, every request from the app sees no rows and every write fails, silently as far as the database is concerned; without RLS, nothing restricts rows at all.',
  fix: 'Write the policies with the table, per command and `TO authenticated`: `CREATE POLICY "Artists read own playlists" ON public.playlists FOR SELECT TO authenticated USING (artist_id = (select auth.uid()));`',
  check(ctx) {
    const rel = newExposedRelation(ctx);
    // A table revoked from the app and granted to none of its roles is server-only: no policy needed.
    if (rel?.kind === 'table' && !rel.policies && !(rel.revoked && !rel.granted))
      ctx.report(`Table ${display(rel.name)} gets no CREATE POLICY in this file.`, rel.location);
  },
};
