/** What the same file does for a relation it creates: RLS, grants, policies. */
import { as, type PgNode } from '../../typegen/expressions.js';
import type { RuleContext } from '../model.js';
import { relName } from '../parse.js';
import { API_ROLES, EXPOSED_SCHEMAS, splitName } from '../schema.js';
import { laterStatements, stmt } from './util.js';

export interface NewRelation {
  name: string;
  kind: 'table' | 'view';
  location: number | undefined;
  rls: boolean;
  /** GRANTed to an API role (or PUBLIC) in the file. */
  granted: boolean;
  /** Privileges REVOKEd from an API role in the file: an explicit "server only". */
  revoked: boolean;
  policies: boolean;
}

/** The table or view this statement creates in an exposed schema, with what the rest of the file does for it. */
export function newExposedRelation(ctx: RuleContext): NewRelation | undefined {
  const create = stmt(ctx, 'CreateStmt');
  const view = stmt(ctx, 'ViewStmt');
  const rangeVar = create?.relation ?? view?.view;
  const name = relName(rangeVar);
  if (!name || rangeVar.relpersistence === 't' || !EXPOSED_SCHEMAS.has(splitName(name)[0])) return undefined;
  if (create?.if_not_exists && ctx.schema.relation(name)) return undefined;
  const found: NewRelation = {
    name,
    kind: create ? 'table' : 'view',
    location: rangeVar.location,
    rls: false,
    granted: false,
    revoked: false,
    policies: false,
  };
  for (const s of laterStatements(ctx)) {
    const alter = as(s.node, 'AlterTableStmt');
    if (
      alter &&
      relName(alter.relation) === name &&
      (alter.cmds ?? []).some((c: PgNode) => as(c, 'AlterTableCmd')?.subtype === 'AT_EnableRowSecurity')
    )
      found.rls = true;
    const grant = as(s.node, 'GrantStmt');
    if (
      grant?.objtype === 'OBJECT_TABLE' &&
      (grant.objects ?? []).some((o: PgNode) => relName(as(o, 'RangeVar')) === name)
    ) {
      const toApi = (grant.grantees ?? []).some(
        (g: PgNode) => API_ROLES.has(as(g, 'RoleSpec')?.rolename) || as(g, 'RoleSpec')?.roletype === 'ROLESPEC_PUBLIC',
      );
      if (grant.is_grant && toApi) found.granted = true;
      if (!grant.is_grant && toApi) found.revoked = true;
    }
    const policy = as(s.node, 'CreatePolicyStmt');
    if (policy && relName(policy.table) === name) found.policies = true;
  }
  return found;
}
