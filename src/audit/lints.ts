/**
 * Static lints: the catalog queries in sql/audit/lints/ (Supabase splinter's security and
 * performance lints, extended to partitioned parents and partitions, plus what splinter lacks),
 * and one lint read from query plans: auth.uid() evaluated per row.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/connect.js';
import { claimsFor } from '../db/impersonate.js';
import { isPgError, SqlState } from '../db/pg-errors.js';
import type { Finding, Level } from './model.js';
import { auditSql, auditSqlFiles, literal, qualified, sqlHeader } from './sqlfiles.js';

export interface LintDefinition {
  id: string;
  level: Level;
  title: string;
  remediation: string;
  sql?: string;
}

export interface LintResult {
  lints: LintDefinition[];
  findings: Finding[];
  /** Lints that could not run here (e.g. no storage schema), and why. */
  skipped: { id: string; reason: string }[];
}

export const PLAN_LINT: LintDefinition = {
  id: 'auth_rls_initplan',
  level: 'warn',
  title:
    'auth.uid() (or another auth/current_setting call) evaluated per row: the plan shows it in a Filter, not in an InitPlan',
  remediation: 'Wrap it in a sub-select so it runs once per query: USING (artist_id = (select auth.uid())).',
};

export function lintDefinitions(): LintDefinition[] {
  return auditSqlFiles('lints').map(({ name, text }) => {
    const h = sqlHeader(text);
    return {
      id: h.id ?? name,
      level: (h.level ?? 'warn') as Level,
      title: h.title ?? name,
      remediation: h.remediation ?? '',
      sql: text,
    };
  });
}

export async function runLints(sql: Sql, schemas: string[], extraClaims: Record<string, unknown>): Promise<LintResult> {
  const lints = [...lintDefinitions(), PLAN_LINT];
  const findings: Finding[] = [];
  const skipped: LintResult['skipped'] = [];
  for (const lint of lints) {
    if (!lint.sql) continue;
    try {
      const rows = await sql.unsafe<{ object: string; detail: string | null }[]>(lint.sql, [schemas]);
      for (const row of rows) findings.push(lintFinding(lint, row.object, row.detail));
    } catch (error) {
      if (isPgError(error) && (error.code === SqlState.undefinedTable || error.code === SqlState.invalidSchemaName))
        skipped.push({ id: lint.id, reason: error.message });
      else if (isPgError(error))
        findings.push({
          ...lintFinding(lint, lint.id, `the lint could not run: ${error.code}: ${error.message}`),
          id: 'audit.lint_failed',
          level: 'warn',
        });
      else throw error;
    }
  }
  findings.push(...(await planLint(sql, schemas, extraClaims)));
  return { lints, findings: await confirmUnindexed(sql, findings, extraClaims), skipped };
}

function lintFinding(lint: LintDefinition, object: string, detail: string | null, details?: string[]): Finding {
  return {
    area: 'lints',
    id: lint.id,
    level: lint.level,
    object,
    message: `${lint.title}${detail ? `: ${detail}` : ''}`,
    hint: lint.remediation.replace(/<(table|view|function|partition|extension)>/g, object),
    ...(details ? { details } : {}),
  };
}

/**
 * Per-row auth calls, read from the plan of `select 1 from t` as a signed-in user (a fresh one: no
 * rows needed). Index paths are switched off for the EXPLAIN, so the verdict does not depend on
 * the table's size: an index condition would hide a per-row call that bites on a sequential scan.
 */
async function planLint(sql: Sql, schemas: string[], extraClaims: Record<string, unknown>): Promise<Finding[]> {
  const tables = await sql.unsafe<{ schema: string; name: string }[]>(auditSql('plan-lint-tables.sql'), [schemas]);
  // Without index paths the policy must show as a Filter: either a per-row call or a $n from an InitPlan.
  const planner = { enable_indexscan: 'off', enable_bitmapscan: 'off', enable_indexonlyscan: 'off' };
  const findings: Finding[] = [];
  for (const { object, plan } of await explainAsUser(
    sql,
    tables,
    extraClaims,
    planner,
    (relation) => `explain (format json, verbose) select 1 from ${relation}`,
  )) {
    const perRow = perRowCalls(plan);
    if (perRow.length) {
      findings.push(
        lintFinding(
          PLAN_LINT,
          `${object.schema}.${object.name}`,
          `${perRow[0]!.node}: ${perRow[0]!.filter.slice(0, 160)}`,
          perRow.map((p) => `${p.node} Filter: ${p.filter}`),
        ),
      );
    }
  }
  return findings;
}

/**
 * The plan of `explain(relation)` for each object, as a fresh signed-in user with the planner
 * settings given: each in a savepoint of one transaction that is always rolled back. An object
 * whose EXPLAIN fails in Postgres is left out.
 */
async function explainAsUser<O extends { schema: string; name: string }>(
  sql: Sql,
  objects: readonly O[],
  extraClaims: Record<string, unknown>,
  planner: Record<string, string>,
  explain: (relation: string) => string,
): Promise<{ object: O; plan: unknown }[]> {
  if (!objects.length) return [];
  const claims = JSON.stringify(
    claimsFor({ role: 'authenticated', sub: randomUUID(), email: 'plan@dreamdb-audit.invalid', claims: extraClaims }),
  );
  const settings = Object.entries(planner)
    .map(([name, value]) => `, set_config(${literal(name)}, ${literal(value)}, true)`)
    .join('');
  const plans: { object: O; plan: unknown }[] = [];
  const rollback = new Error('dreamdb:rollback');
  await sql
    .begin(async (tx) => {
      for (const object of objects) {
        await tx
          .unsafe(
            `savepoint plan; select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${literal(claims)}, true)${settings}`,
          )
          .simple();
        try {
          const [row] = await tx.unsafe<{ 'QUERY PLAN': unknown }[]>(explain(qualified(object.schema, object.name)));
          plans.push({ object, plan: row?.['QUERY PLAN'] });
        } catch (error) {
          if (!isPgError(error)) throw error;
        } finally {
          await tx.unsafe('rollback to savepoint plan; release savepoint plan').simple();
        }
      }
      throw rollback;
    })
    .catch((error) => {
      if (error !== rollback) throw error;
    });
  return plans;
}

const PER_ROW = /current_setting\(|auth\.(uid|jwt|role|email)\(\)/i;

/** Plan nodes whose per-row Filter calls the JWT helpers (an InitPlan would show as a $n / InitPlan reference instead). */
export function perRowCalls(plan: unknown): { node: string; filter: string }[] {
  const out: { node: string; filter: string }[] = [];
  const visit = (node: Record<string, unknown>) => {
    for (const key of ['Filter', 'Join Filter', 'Recheck Cond']) {
      const value = node[key];
      if (typeof value === 'string' && PER_ROW.test(value)) {
        out.push({
          node: `${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}`,
          filter: value,
        });
      }
    }
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
  };
  const root = Array.isArray(plan) ? (plan[0] as { Plan?: Record<string, unknown> } | undefined)?.Plan : undefined;
  if (root) visit(root);
  return out;
}

/**
 * policy_column_unindexed from the catalog is only a candidate: the verdict is the plan. As a
 * signed-in user, with sequential scans discouraged, does any plan node on the table use an index
 * condition? Then an index serves the policy (a composite index, an expression, a partial index
 * whose predicate the policy implies, a partitioned index) and there is nothing to report.
 */
async function confirmUnindexed(
  sql: Sql,
  findings: Finding[],
  extraClaims: Record<string, unknown>,
): Promise<Finding[]> {
  const candidates = [...new Set(findings.filter((f) => f.id === 'policy_column_unindexed').map((f) => f.object))];
  if (!candidates.length) return findings;
  const objects = candidates.map((object) => {
    const [schema, name] = splitQualified(object);
    return { object, schema, name };
  });
  const plans = await explainAsUser(
    sql,
    objects,
    extraClaims,
    { enable_seqscan: 'off' },
    (relation) => `explain (format json) select * from ${relation}`,
  );
  const served = new Set(plans.filter((p) => usesIndex(p.plan)).map((p) => p.object.object));
  return findings.filter((f) => f.id !== 'policy_column_unindexed' || !served.has(f.object));
}

function splitQualified(object: string): [string, string] {
  const m = /^"?([^".]+)"?\."?([^"]+)"?$/.exec(object);
  return m ? [m[1]!, m[2]!] : ['public', object];
}

/** Whether a scan in the plan filters through an index (Index Cond, or a bitmap's Recheck/Index Cond). */
export function usesIndex(plan: unknown): boolean {
  let found = false;
  const visit = (node: Record<string, unknown>) => {
    if (typeof node['Index Cond'] === 'string' || typeof node['Recheck Cond'] === 'string') found = true;
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
  };
  const root = Array.isArray(plan) ? (plan[0] as { Plan?: Record<string, unknown> } | undefined)?.Plan : undefined;
  if (root) visit(root);
  return found;
}
