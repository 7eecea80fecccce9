/**
 * Diffing across major versions: the shadow runs on the embedded PostgreSQL 17, a target may run
 * 15. PostgreSQL 17 added the MAINTAIN table privilege, so "ALL" and an owner's implicit rights
 * differ between the two with nothing changed by anyone. When one side predates 17 the other
 * side's MAINTAIN is left out of every privilege list before comparing.
 */
import { buildFactBase, type FactBase } from '@supabase/pg-delta';

const PRIVILEGE_LISTS = ['privileges', 'grantable', '_ownerDefault', '_revokedDefault'];

export function withoutMaintain(fb: FactBase): FactBase {
  const facts = fb.facts().map((f) => {
    if (f.id.kind !== 'acl' && f.id.kind !== 'defaultPrivilege') return f;
    const payload = { ...(f.payload as Record<string, unknown>) };
    let changed = false;
    for (const key of PRIVILEGE_LISTS) {
      const list = payload[key];
      if (Array.isArray(list) && list.includes('MAINTAIN')) {
        payload[key] = list.filter((p) => p !== 'MAINTAIN');
        changed = true;
      }
    }
    return changed ? { ...f, payload: payload as typeof f.payload } : f;
  });
  return buildFactBase(facts, [...fb.edges], fb.source, fb.referenceOnly, { allowDangling: () => true });
}

export function majorOf(pgVersion: string): number {
  return Number(/^(\d+)/.exec(pgVersion)?.[1] ?? 0);
}
