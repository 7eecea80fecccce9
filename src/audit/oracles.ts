/**
 * Error oracles: can an artist learn that another artist's value exists, because writing the same
 * value into its own row fails with unique_violation (23505)? Probed for every unique constraint
 * of a tenant-owned table that does not include the owner (those cannot collide across tenants).
 */
import type { Cell, Finding } from './model.js';
import { keyMatch, report, selfKeys, type MatrixContext, type Pairing } from './matrix.js';
import { planRow, insertSql } from './fixtures.js';
import { ident, literal, qualified } from './sqlfiles.js';

export async function probeOracles(ctx: MatrixContext): Promise<{ findings: Finding[]; cells: Cell[] }> {
  const findings: Finding[] = [];
  const cells: Cell[] = [];
  const [a, b] = ctx.fixtures.artists;
  const actor = ctx.actors.artists[0];
  if (!a || !b || !actor) return { findings, cells };
  const pair = { actor, self: a, other: b };
  for (const target of ctx.targets) {
    if (!target.tenancy || !target.writable || target.rel.isPartition || target.bucket) continue;
    const own = target.fixtures.get(a.key) ?? [];
    const theirs = target.fixtures.get(b.key) ?? [];
    if (!own.length || !theirs.length) continue;
    const tenantFks = new Set((target.rel.foreignKeys ?? []).flatMap((fk) => fk.columns));
    const seen = new Set<string>();
    for (const unique of target.rel.uniques ?? []) {
      if (unique.columns.some((c) => c === target.tenancy!.column || tenantFks.has(c))) continue;
      if (seen.has(unique.columns.join(','))) continue;
      seen.add(unique.columns.join(','));
      const types = unique.columns.map((c) => target.rel.columns.find((col) => col.name === c)!.type);
      const table = qualified(target.rel.schema, target.rel.name);
      let code = 'ok';
      let how = 'update';
      // Row i of each artist has the same variant (same CHECK values, flags, nulls): a partial index's predicate holds for both or neither.
      for (let i = 0; i < Math.min(own.length, theirs.length) && code !== '23505'; i += 1) {
        const values = unique.columns.map((c) => theirs[i]!.values[c]);
        if (values.some((v) => v === null || v === undefined)) continue;
        const assignments = unique.columns
          .map((c, j) => `${ident(c)} = ${literal(values[j]!)}::${types[j]}`)
          .join(', ');
        const key = keyMatch(target, [own[i]!]);
        const update = await ctx.session.run(actor, {
          sql: `update ${table} t set ${assignments} where ${key.sql}`,
          params: key.params,
          returns: 'count',
        });
        code = update.ok ? 'ok' : update.code;
        how = 'update';
        if (!update.ok) scanError(ctx, target.name, pair, `${update.message} ${update.detail ?? ''}`, values);
        if (code !== '23505') {
          const plan = planRow(target, {
            owner: a,
            config: ctx.config,
            byName: ctx.byName,
            rowsOf: (r, k) => ctx.targets.find((t) => t.name === r)?.fixtures.get(k),
            minimal: false,
            variant: i,
            marker: () => `audit-${ctx.fixtures.run}-oracle`,
          });
          unique.columns.forEach((c, j) => {
            const at = plan.columns.indexOf(c);
            const value = { sql: `${literal(values[j]!)}::${types[j]}`, text: values[j]! };
            if (at >= 0) plan.values[at] = value;
            else {
              plan.columns.push(c);
              plan.values.push(value);
            }
          });
          const room = keyMatch(target, own);
          const insert = await ctx.session.run(actor, {
            sql: insertSql(target, plan, []),
            returns: 'count',
            prepare: [
              { name: 'room', sql: `delete from ${table} t where ${room.sql}`, params: room.params, returns: 'count' },
            ],
          });
          code = insert.ok ? 'ok' : insert.code;
          how = 'insert';
          if (!insert.ok) scanError(ctx, target.name, pair, `${insert.message} ${insert.detail ?? ''}`, values);
        }
      }
      const object = `${target.name}(${unique.columns.join(', ')})`;
      cells.push({
        relation: target.matrixName,
        actor: actor.key,
        op: `collide ${unique.columns.join(',')}`,
        outcome: code === 'ok' ? { kind: 'ok' } : { kind: 'error', code, message: '' },
      });
      if (code !== '23505') continue;
      const isPublic = unique.columns.every((c) => ctx.config.oracles.publicColumns.includes(c));
      findings.push({
        area: 'isolation',
        id: 'isolation.unique_oracle',
        level: isPublic ? 'info' : 'warn',
        object,
        actor: actor.key,
        operation: `${how} own row with another artist's ${unique.columns.join(', ')}${unique.predicate ? ` (index ${unique.name} WHERE ${unique.predicate})` : ''}`,
        expected: "no answer about other artists' values",
        actual: 'unique_violation (23505) names the existing value',
        message: `writing another artist's ${unique.columns.join(', ')} into one's own row fails with unique_violation${unique.predicate ? ` (partial unique index ${unique.name})` : ''}: anyone can ask whether a value exists${isPublic ? ' (listed as public in audit.oracles.publicColumns)' : ''}`,
        hint: isPublic
          ? 'Public by design; nothing to do.'
          : `Make the key per tenant (include ${target.tenancy.column ?? 'the owner'} in it), keep ${unique.columns.join(', ')} out of the client's writable columns (set it on the server or from the auth account), or add it to audit.oracles.publicColumns if it is public by design.`,
      });
    }
  }
  return { findings, cells };
}

/** An error message that names another artist's data (beyond the value the actor itself sent). */
function scanError(
  ctx: MatrixContext,
  object: string,
  pair: Pairing,
  text: string,
  sent: (string | null | undefined)[],
): void {
  const leaked = ctx.canaries.foreign(
    text,
    selfKeys(pair),
    sent.map((v) => v ?? null),
  );
  if (!leaked.length) return;
  report(ctx, {
    area: 'isolation',
    id: 'isolation.cross_tenant_read',
    level: 'error',
    object,
    actor: pair.actor.key,
    operation: 'write a value another artist holds (error message)',
    expected: "errors that name nothing of another artist's",
    actual: `the error names ${leaked.slice(0, 2).join(', ')}`,
    message: `an error raised on ${object} tells the caller another artist's data (${leaked.slice(0, 2).join(', ')})`,
    hint: "Raise errors that say what is wrong with the caller's own input, never who else holds a value (a trigger's RAISE, a constraint's DETAIL).",
  });
}
