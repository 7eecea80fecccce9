/**
 * What must hold whatever the expectations file says: no artist (and not anon) reads or writes
 * another artist's rows, sees rows the audit did not write, changes a protected column of its
 * own, or reads a secret column.
 */
import type { AuditConfig } from '../config/audit.js';
import { isServerOwned } from './catalog.js';
import type { Cell, Finding } from './model.js';
import { formatOutcome } from './model.js';
import type { Target } from './targets.js';

interface Violation {
  id: string;
  target: Target;
  role: string;
  actors: Set<string>;
  ops: Set<string>;
  actual: Set<string>;
}

export function checkInvariants(cells: Cell[], targets: Target[], config: AuditConfig): Finding[] {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const violations = new Map<string, Violation>();
  const flag = (id: string, target: Target, cell: Cell) => {
    const role = cell.actor === 'anon' ? 'anon' : 'authenticated';
    const key = `${id}|${target.name}|${role}`;
    const v = violations.get(key) ?? { id, target, role, actors: new Set(), ops: new Set(), actual: new Set() };
    violations.set(key, v);
    v.actors.add(cell.actor);
    v.ops.add(cell.op);
    v.actual.add(formatOutcome(cell.outcome));
  };

  for (const cell of cells) {
    if (cell.actor === 'service_role' || cell.actor === 'authenticated' || cell.relation.startsWith('fn ')) continue;
    const target = byName.get(cell.target ?? cell.relation);
    if (!target?.tenancy) continue;
    const o = cell.outcome;
    const rows = o.kind === 'rows' ? o.n : 0;
    const storage = target.bucket ? 'storage.' : 'isolation.';
    if (cell.op === 'select' && o.kind === 'visible') {
      const ownFixtures = target.fixtures.get(cell.actor)?.length ?? 0;
      if (o.other > 0)
        flag(target.bucket?.public ? 'storage.public_bucket_listing' : `${storage}cross_tenant_read`, target, cell);
      else if (o.foreign) flag(`${storage}foreign_rows_visible`, target, cell);
      else if (!o.keyed && o.own > ownFixtures) flag(`${storage}cross_tenant_read`, target, cell);
    } else if (/^(insert|update|delete) other|^(update|delete) unfiltered/.test(cell.op) && rows > 0) {
      flag(`${storage}cross_tenant_write`, target, cell);
    } else if (cell.op === `update own ${target.tenancy.column}` && rows > 0) {
      flag(`${storage}cross_tenant_write`, target, cell);
    } else if ((cell.op.startsWith('insert own +') || cell.op.startsWith('update own ')) && rows > 0) {
      const column = cell.op.replace(/^insert own \+|^update own /, '');
      if (isServerOwned(config, target.rel, column)) flag('isolation.protected_column_writable', target, cell);
    } else if (cell.op.startsWith('read ') && rows > 0) {
      flag('isolation.secret_column_readable', target, cell);
    } else if (cell.actor === 'anon' && /^(insert|update|delete)/.test(cell.op) && rows > 0) {
      flag(`${storage}cross_tenant_write`, target, cell);
    }
  }
  return [...violations.values()].map(toFinding);
}

const TEXT: Record<string, { expected: string; message: (v: Violation) => string; hint: (v: Violation) => string }> = {
  cross_tenant_read: {
    expected: 'own rows only',
    message: (v) => `${who(v)} can read another artist's rows in ${v.target.name}`,
    hint: (v) =>
      v.target.bucket
        ? `Scope the SELECT policy on storage.objects to the caller's folder: bucket_id = '${v.target.bucket.id}' AND (storage.foldername(name))[1] = (select auth.uid())::text.`
        : v.target.rel.kind === 'v'
          ? "Make the view security_invoker (ALTER VIEW ... SET (security_invoker = true)) so the caller's RLS applies."
          : `Enable RLS and scope the SELECT policy TO authenticated USING (${v.target.tenancy?.column ?? 'owner'} = (select auth.uid())).`,
  },
  foreign_rows_visible: {
    expected: 'only its own rows',
    message: (v) => `${who(v)} sees rows of ${v.target.name} that belong to nobody it is`,
    hint: () =>
      'Scope the SELECT policy to the owner (or revoke SELECT from the role): a new account must see nothing but its own rows.',
  },
  public_bucket_listing: {
    expected: 'own rows only',
    message: (v) => `${who(v)} can list every artist's files in the public bucket ${v.target.bucket?.id}`,
    hint: () =>
      "Public buckets serve files by URL without any SELECT policy; drop the broad SELECT policy on storage.objects or scope it to the caller's folder.",
  },
  cross_tenant_write: {
    expected: 'none or denied',
    message: (v) =>
      `${who(v)} can write another artist's rows in ${v.target.name} (${[...v.ops].slice(0, 4).join('; ')}${v.ops.size > 4 ? `; +${v.ops.size - 4} more` : ''})`,
    hint: (v) =>
      v.role === 'anon'
        ? `REVOKE INSERT, UPDATE, DELETE ON ${v.target.rel.schema}.${v.target.rel.name} FROM anon; and give every write policy TO authenticated with an owner check.`
        : `Give the write policies an owner check in both USING and WITH CHECK: ${v.target.tenancy?.column ?? 'owner'} = (select auth.uid()); never WITH CHECK (true).`,
  },
  protected_column_writable: {
    expected: 'denied',
    message: (v) =>
      `${who(v)} can set protected columns of its own row in ${v.target.name}: ${[...v.ops]
        .map((o) => o.replace(/^insert own \+|^update own /, ''))
        .filter((c, i, a) => a.indexOf(c) === i)
        .join(', ')}`,
    hint: (v) =>
      `Grant column privileges instead of the whole table: REVOKE INSERT, UPDATE ON ${v.target.rel.schema}.${v.target.rel.name} FROM authenticated; GRANT UPDATE (<client columns>) ...; let the server (service_role) write the protected ones.`,
  },
  secret_column_readable: {
    expected: 'denied',
    message: (v) =>
      `${who(v)} can read secret columns of ${v.target.name}: ${[...v.ops].map((o) => o.replace(/^read /, '')).join(', ')}`,
    hint: (v) =>
      `REVOKE SELECT ON ${v.target.rel.schema}.${v.target.rel.name} FROM ${v.role}; GRANT SELECT (<every column but the secrets>) ... TO ${v.role}.`,
  },
};

function who(v: Violation): string {
  return v.role === 'anon' ? 'anon' : `an artist (${[...v.actors].sort().join(', ')})`;
}

function toFinding(v: Violation): Finding {
  const kind = v.id.split('.')[1]!;
  const text = TEXT[kind]!;
  return {
    area: 'isolation',
    id: v.id,
    level: 'error',
    object: v.target.name,
    actor: [...v.actors].sort().join(', '),
    operation: [...v.ops].slice(0, 6).join('; ') + (v.ops.size > 6 ? `; +${v.ops.size - 6} more` : ''),
    expected: text.expected,
    actual: [...v.actual].join(', '),
    message:
      text.message(v) +
      (v.target.rel.published ? ' (published to supabase_realtime: every subscriber gets it live)' : ''),
    hint: text.hint(v),
  };
}
