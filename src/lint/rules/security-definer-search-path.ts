import { as, strings, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { display, stmt } from './util.js';
import { qualified } from '../parse.js';

export const securityDefinerSearchPath: Rule = {
  id: 'security-definer-without-search-path',
  level: 'error',
  title: 'A SECURITY DEFINER function without SET search_path',
  why: "It runs with its owner's rights but resolves names through the caller's search_path: a caller who can create an object earlier on the path (a table, an operator, a function) gets their code run as the owner.",
  fix: "Pin the path and qualify names: `CREATE FUNCTION public.award_points(...) ... SECURITY DEFINER SET search_path = '' AS $$ ... public.achievements ... $$;`",
  check(ctx) {
    const fn = stmt(ctx, 'CreateFunctionStmt');
    if (!fn) return;
    const options = (fn.options ?? []).map((o: PgNode) => as(o, 'DefElem')).filter(Boolean) as PgNode[];
    const definer = options.some(
      (d) => d.defname === 'security' && (as(d.arg, 'Boolean')?.boolval === true || as(d.arg, 'Integer')?.ival === 1),
    );
    const pinned = options.some((d) => d.defname === 'set' && as(d.arg, 'VariableSetStmt')?.name === 'search_path');
    if (definer && !pinned)
      ctx.report(`SECURITY DEFINER function ${display(qualified(strings(fn.funcname)))} has no SET search_path.`);
  },
};
