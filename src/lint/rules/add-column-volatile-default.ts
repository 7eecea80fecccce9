import { as, strings, type PgNode } from '../../typegen/expressions.js';
import type { Rule, RuleContext } from '../model.js';
import { collect } from '../schema.js';
import { qualified } from '../parse.js';
import { alterCommands, display, existing } from './util.js';

/** Built-in functions that are VOLATILE (a default calling them is evaluated per row). */
const VOLATILE = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'gen_random_bytes',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setseed',
  'txid_current',
  'random_normal',
]);
const SERIALS = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export const addColumnVolatileDefault: Rule = {
  id: 'add-column-volatile-default',
  level: 'error',
  title: 'ADD COLUMN with a volatile default (or serial, identity, stored generated) on a table that already exists',
  why: 'A constant or STABLE default (now(), a literal) is stored once in the catalog; a VOLATILE one (gen_random_uuid(), random(), clock_timestamp(), nextval) must be computed for every row, so Postgres rewrites the whole table under ACCESS EXCLUSIVE: reads and writes wait.',
  fix: 'Add the column without a default, set the default for new rows, then backfill in batches: `ALTER TABLE tasks ADD COLUMN public_id uuid;` `ALTER TABLE tasks ALTER COLUMN public_id SET DEFAULT gen_random_uuid();` then `UPDATE tasks SET public_id = gen_random_uuid() WHERE id IN (... a batch ...);`',
  check(ctx) {
    for (const { cmd, relation, location } of alterCommands(ctx)) {
      const col = cmd.subtype === 'AT_AddColumn' ? as(cmd.def, 'ColumnDef') : undefined;
      if (!col || !existing(ctx, relation)) continue;
      const why = rewriteReason(ctx, col);
      if (why)
        ctx.report(
          `ADD COLUMN ${col.colname} on ${display(relation)} ${why}: the table is rewritten under ACCESS EXCLUSIVE.`,
          col.location ?? location,
        );
    }
  },
};

function rewriteReason(ctx: RuleContext, col: PgNode): string | undefined {
  const type = strings(col.typeName?.names).at(-1) ?? '';
  if (SERIALS.has(type)) return `is ${type} (a nextval() default per row)`;
  for (const c of col.constraints ?? []) {
    const con = as(c, 'Constraint');
    if (con?.contype === 'CONSTR_IDENTITY') return 'is an identity column';
    if (con?.contype === 'CONSTR_GENERATED') return 'is a stored generated column';
    if (con?.contype !== 'CONSTR_DEFAULT') continue;
    for (const call of collect(con.raw_expr, 'FuncCall')) {
      const names = strings(call.funcname);
      const name = names.at(-1) ?? '';
      const known = ctx.schema.functions.get(qualified(names) ?? '');
      if (known ? known.volatility === 'v' : VOLATILE.has(name)) return `has a volatile default (${name}())`;
    }
  }
  return undefined;
}
