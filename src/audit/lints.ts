/**
 * Static lints: the catalog queries in sql/audit/lints/ (Supabase splinter's security and
 * performance lints, extended to partitioned parents and partitions, plus what splinter lacks),
 * and one lint read from query plans: auth.uid() evaluated per row.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/connect.js';
import { claimsFor } from '../db/impersonate.js';
import { isPgError } from '../db/sqlfile.js';
import type { Finding, Level } from './model.js';
import { auditSqlFiles, literal, qualified, sqlHeader } from './sqlfiles.js';

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
  title: 'auth.uid() (or another auth/current_setting call) evaluated per row: the plan shows it in a Filter, not in an InitPlan',
  remediation: 'Wrap it in a sub-select so it runs once per query: USING (artist_id = (select auth.uid())).',
};

export function lintDefinitions(): LintDefinition[] {
  return auditSqlFiles('lints').map(({ name, text }) => {
    const h = sqlHeader(text);
    return { id: h.id ?? name, level: (h.level ?? 'warn') as Level, title: h.title ?? name, remediation: h.remediation ?? '', sql: text };
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
      if (isPgError(error) && (error.code === '42P01' || error.code === '3F000')) skipped.push({ id: lint.id, reason: error.message });
      else if (isPgError(error)) findings.push({ ...lintFinding(lint, lint.id, `the lint could not run: ${error.code}: ${error.message}`), id: 'audit.lint_failed', level: 'warn' });
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
  const tables = await sql<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${schemas}) and c.relkind in ('r', 'p', 'v') and not c.relispartition
      and has_any_column_privilege('authenticated', c.oid, 'SELECT')
      and exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polcmd in ('r', '*'))
    order by 1, 2`;
  if (!tables.length) return [];
  const claims = JSON.stringify(claimsFor({ role: 'authenticated', sub: randomUUID(), email: 'plan@dreamdb-audit.invalid', claims: extraClaims }));
  const findings: Finding[] = [];
  const rollback = new Error('dreamdb:rollback');
  await sql
    .begin(async (tx) => {
      for (const t of tables) {
        // Without index paths the policy must show as a Filter: either a per-row call or a $n from an InitPlan.
        await tx.unsafe(`savepoint plan; select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${literal(claims)}, true),
          set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_indexonlyscan', 'off', true)`).simple();
        try {
          const [row] = await tx.unsafe<{ 'QUERY PLAN': unknown }[]>(`explain (format json, verbose) select 1 from ${qualified(t.schema, t.name)}`);
          const perRow = perRowCalls(row?.['QUERY PLAN']);
          if (perRow.length) {
            findings.push(lintFinding(PLAN_LINT, `${t.schema}.${t.name}`, `${perRow[0]!.node}: ${perRow[0]!.filter.slice(0, 160)}`, perRow.map((p) => `${p.node} Filter: ${p.filter}`)));
          }
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
  return findings;
}

const PER_ROW = /current_setting\(|auth\.(uid|jwt|role|email)\(\)/i;

/** Plan nodes whose per-row Filter calls the JWT helpers (an InitPlan would show as a $n / InitPlan reference instead). */
export function perRowCalls(plan: unknown): { node: string; filter: string }[] {
  const out: { node: string; filter: string }[] = [];
  const visit = (node: Record<string, unknown>) => {
    for (const key of ['Filter', 'Join Filter', 'Recheck Cond']) {
      const value = node[key];
      if (typeof value === 'string' && PER_ROW.test(value)) {
        out.push({ node: `${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}`, filter: value });
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
async function confirmUnindexed(sql: Sql, findings: Finding[], extraClaims: Record<string, unknown>): Promise<Finding[]> {
  const candidates = findings.filter((f) => f.id === 'policy_column_unindexed');
  if (!candidates.length) return findings;
  const claims = JSON.stringify(claimsFor({ role: 'authenticated', sub: randomUUID(), email: 'plan@dreamdb-audit.invalid', claims: extraClaims }));
  const served = new Set<string>();
  const rollback = new Error('dreamdb:rollback');
  await sql
    .begin(async (tx) => {
      for (const object of new Set(candidates.map((f) => f.object))) {
        const [schema, name] = splitQualified(object);
        await tx.unsafe(`savepoint plan; select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${literal(claims)}, true),
          set_config('enable_seqscan', 'off', true)`).simple();
        try {
          const [row] = await tx.unsafe<{ 'QUERY PLAN': unknown }[]>(`explain (format json) select * from ${qualified(schema, name)}`);
          if (usesIndex(row?.['QUERY PLAN'])) served.add(object);
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
