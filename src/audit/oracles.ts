/**
 * Error oracles: can an artist learn that another artist's value exists, because writing the same
 * value into its own row fails with unique_violation (23505)? Probed for every unique constraint
 * of a tenant-owned table that does not include the owner (those cannot collide across tenants).
 */
import type { Cell, Finding } from './model.js';
import { keyMatch, type MatrixContext } from './matrix.js';
import { planRow, insertSql } from './fixtures.js';
import { ident, literal, qualified } from './sqlfiles.js';

export async function probeOracles(ctx: MatrixContext): Promise<{ findings: Finding[]; cells: Cell[] }> {
  const findings: Finding[] = [];
  const cells: Cell[] = [];
  const [a, b] = ctx.fixtures.artists;
  const actor = ctx.actors.artists[0];
  if (!a || !b || !actor) return { findings, cells };
  for (const target of ctx.targets) {
    if (!target.tenancy || !target.writable || target.rel.isPartition || target.bucket) continue;
    const own = target.fixtures.get(a.key) ?? [];
    const theirs = target.fixtures.get(b.key)?.[0];
    if (!own.length || !theirs) continue;
    const tenantFks = new Set((target.rel.foreignKeys ?? []).flatMap((fk) => fk.columns));
    for (const unique of target.rel.uniques ?? []) {
      if (unique.columns.some((c) => c === target.tenancy!.column || tenantFks.has(c))) continue;
      const values = unique.columns.map((c) => theirs.values[c]);
      if (values.some((v) => v === null || v === undefined)) continue;
      const types = unique.columns.map((c) => target.rel.columns.find((col) => col.name === c)!.type);
      const assignments = unique.columns.map((c, i) => `${ident(c)} = ${literal(values[i]!)}::${types[i]}`).join(', ');
      const key = keyMatch(target, own);
      const table = qualified(target.rel.schema, target.rel.name);
      const update = await ctx.session.as(actor, (tx) => tx.unsafe(`update ${table} t set ${assignments} where ${key.sql}`, key.params));
      let code = update.ok ? 'ok' : update.code;
      let how = 'update';
      if (code !== '23505') {
        const plan = planRow(target, { owner: a, config: ctx.config, byName: ctx.byName, rowsOf: (r, k) => ctx.targets.find((t) => t.name === r)?.fixtures.get(k), minimal: true, marker: () => `audit-${ctx.fixtures.run}-oracle` });
        unique.columns.forEach((c, i) => {
          const at = plan.columns.indexOf(c);
          const value = { sql: `${literal(values[i]!)}::${types[i]}`, text: values[i]! };
          if (at >= 0) plan.values[at] = value;
          else plan.columns.push(c), plan.values.push(value);
        });
        const insert = await ctx.session.as(actor, (tx) => tx.unsafe(insertSql(target, plan, [])), {
          prepare: async (tx) => void (await tx.unsafe(`delete from ${table} t where ${key.sql}`, key.params)),
        });
        code = insert.ok ? 'ok' : insert.code;
        how = 'insert';
      }
      const object = `${target.name}(${unique.columns.join(', ')})`;
      cells.push({ relation: target.matrixName, actor: actor.key, op: `collide ${unique.columns.join(',')}`, outcome: code === 'ok' ? { kind: 'ok' } : { kind: 'error', code, message: '' } });
      if (code !== '23505') continue;
      const isPublic = unique.columns.every((c) => ctx.config.oracles.publicColumns.includes(c));
      findings.push({
        area: 'isolation',
        id: 'isolation.unique_oracle',
        level: isPublic ? 'info' : 'warn',
        object,
        actor: actor.key,
        operation: `${how} own row with another artist's ${unique.columns.join(', ')}`,
        expected: 'no answer about other artists\' values',
        actual: 'unique_violation (23505) names the existing value',
        message: `writing another artist's ${unique.columns.join(', ')} into one's own row fails with unique_violation: anyone can ask whether a value exists${isPublic ? ' (listed as public in audit.oracles.publicColumns)' : ''}`,
        hint: isPublic
          ? 'Public by design; nothing to do.'
          : `Keep ${unique.columns.join(', ')} out of the client's writable columns (set it on the server or from the auth account), or add it to audit.oracles.publicColumns if it is public by design.`,
      });
    }
  }
  return { findings, cells };
}
