import { as, type PgNode } from '../../typegen/expressions.js';
import type { Rule } from '../model.js';
import { typeText } from '../schema.js';
import { alterCommands, display, existing } from './util.js';

export const columnTypeRewrites: Rule = {
  id: 'column-type-rewrites',
  level: 'error',
  title: 'ALTER COLUMN ... TYPE that rewrites the table',
  why: 'Changing a column to a type that is not binary-compatible (int → bigint, text → jsonb, timestamp → timestamptz, anything with USING) rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite.',
  fix: 'Add a new column, backfill it in batches, switch the app, then drop the old one: `ALTER TABLE metrics ADD COLUMN followers_new bigint;` ... Only widening varchar(n) / numeric precision or varchar → text is free.',
  check(ctx) {
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      if (cmd.subtype !== 'AT_AlterColumnType') continue;
      const rel = existing(ctx, relation);
      if (!rel) continue;
      const def = as(cmd.def, 'ColumnDef');
      const target = typeText(def?.typeName);
      const before = rel === true ? undefined : rel.columns.get(cmd.name)?.type;
      if (!def?.raw_default && before && binaryCompatible(before, target, def?.typeName)) continue;
      const how = before ? `from ${before} to ${target}` : `to ${target} (its current type is unknown here)`;
      ctx.report(
        `ALTER COLUMN ${cmd.name} TYPE on ${display(relation)} ${how} rewrites the table under ACCESS EXCLUSIVE.`,
        def?.location ?? location,
      );
    }
  },
};

/** The conversions PostgreSQL does without a rewrite (binary coercible, and no tighter limit). */
export function binaryCompatible(before: string, after: string, _typeName?: PgNode): boolean {
  if (before === after) return true;
  const parse = (t: string) => {
    const m = /^([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?(\[\])?$/.exec(t.trim());
    return m
      ? { base: m[1]!, a: m[2] ? Number(m[2]) : undefined, b: m[3] ? Number(m[3]) : undefined, array: Boolean(m[4]) }
      : undefined;
  };
  const x = parse(before);
  const y = parse(after);
  if (!x || !y || x.array !== y.array) return false;
  const stringish = new Set(['character varying', 'text']);
  if (stringish.has(x.base) && y.base === 'text') return true;
  if (x.base === 'character varying' && y.base === 'character varying')
    return y.a === undefined || (x.a !== undefined && y.a >= x.a);
  if (x.base === 'numeric' && y.base === 'numeric')
    return y.a === undefined || (x.a !== undefined && y.a >= x.a && (y.b ?? 0) === (x.b ?? 0));
  if (x.base === 'cidr' && y.base === 'inet') return true;
  return false;
}
