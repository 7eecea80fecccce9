import { as, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { relName } from '../parse.js';
import { collect } from '../schema.js';
import { display, stmt } from './util.js';

export const viewWithoutSecurityInvoker: Rule = {
  id: 'view-without-security-invoker',
  level: 'error',
  title: 'A view over a table with RLS, without security_invoker',
  why: "A view runs with its owner's rights by default, and the owner (postgres) bypasses RLS: anyone who may read the view reads every artist's rows of the table under it.",
  fix: "Create it with the caller's rights (PostgreSQL 15+): `CREATE VIEW public.artist_summary WITH (security_invoker = true) AS SELECT ...;`",
  check(ctx) {
    const view = stmt(ctx, 'ViewStmt');
    if (!view) return;
    const invoker = (view.options ?? []).some((o: PgNode) => {
      const d = as(o, 'DefElem');
      const v =
        as(d?.arg, 'String')?.sval ?? as(d?.arg, 'Boolean')?.boolval ?? (d?.arg === undefined ? 'true' : undefined);
      return d?.defname === 'security_invoker' && ['true', 'on', '1', true].includes(v);
    });
    if (invoker) return;
    const withRls = collect(view.query, 'RangeVar')
      .map((rv) => relName(rv))
      .filter((n) => ctx.schema.relation(n)?.rls);
    if (withRls.length)
      ctx.report(
        `View ${display(relName(view.view))} reads ${[...new Set(withRls)].map(display).join(', ')} (RLS enabled) with its owner's rights: RLS is bypassed.`,
        view.view?.location,
      );
  },
};
