/**
 * Latency budgets: the mobile app's queries (sql/audit/latency/*.sql), each run as several
 * impersonated artists many times; p50/p95/p99 per query against the budgets in config. A breach
 * prints EXPLAIN (ANALYZE, BUFFERS) as that artist and names the likely cause. Runs in its own
 * transaction, always rolled back; when the target holds too little data it seeds synthetic
 * artists inside that transaction (the statistics stay the target's own).
 */
import { randomBytes } from 'node:crypto';
import type { AuditConfig } from '../config/audit.js';
import { DEFAULT_BUDGET_MS } from '../config/audit.js';
import type { Sql } from '../db/connect.js';
import { roleStatementTimeout } from '../db/impersonate.js';
import { splitStatements } from '../db/sqlfile.js';
import { NotMigratedError } from '../errors.js';
import type { Finding } from './model.js';
import { makeActor, ProbeSession, type AuditActor, type TxSql } from './session.js';
import { auditSql, auditSqlFiles, sqlHeader } from './sqlfiles.js';

export interface LatencyQuery {
  name: string;
  title: string;
  sql: string;
  params: string[];
}

export interface LatencyStat {
  name: string;
  title: string;
  budgetMs: number;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  breach: boolean;
}

export interface LatencyResult {
  stats: LatencyStat[];
  artists: number;
  iterations: number;
  /** Artists seeded inside the audit's transaction (0: the target's own data). */
  seeded: number;
  skipped?: string;
  findings: Finding[];
}

export function latencyQueries(): LatencyQuery[] {
  return auditSqlFiles('latency').map(({ name, text }) => {
    const h = sqlHeader(text);
    return {
      name,
      title: h.title ?? name,
      sql: text,
      params: (h.params ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    };
  });
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const REQUIRED = [
  'public.artists',
  'public.metrics',
  'public.insights',
  'public.tasks',
  'public.achievements',
  'public.notifications',
];

/** Commits synthetic artists and their rows (tests and the bench; the audit itself never commits). */
export async function seedLatencyData(sql: Sql, artists: number, days: number): Promise<void> {
  await sql.begin(async (tx) => {
    await runSeed(tx, artists, days);
  });
  await sql.unsafe('analyze');
}

async function runSeed(tx: TxSql, artists: number, days: number): Promise<void> {
  const statements = (await splitStatements(auditSql('latency-seed.sql'))) ?? [];
  const tag = randomBytes(3).toString('hex');
  // The first statement keeps the parameters in a temporary table the others read.
  for (const [i, s] of statements.entries()) await tx.unsafe(s.text, i === 0 ? [artists, days, tag] : []);
}

export async function runLatency(
  sql: Sql,
  config: AuditConfig,
  options: { required: boolean; onProgress: (text: string) => void },
): Promise<LatencyResult> {
  const settings = config.latency;
  const base: LatencyResult = { stats: [], artists: 0, iterations: settings.iterations, seeded: 0, findings: [] };
  const [missing] = await sql<
    { missing: string[] }[]
  >`select array(select t from unnest(${REQUIRED}::text[]) t where to_regclass(t) is null) as missing`;
  if (missing!.missing.length) {
    const reason = `the Dream Suite tables are missing (${missing!.missing.join(', ')})`;
    if (options.required)
      throw new NotMigratedError(`Dream Suite tables the latency queries read (${missing!.missing.join(', ')})`);
    return { ...base, skipped: reason };
  }
  const queries = latencyQueries();
  const timeout = await roleStatementTimeout(sql, 'authenticated');
  const rollback = new Error('dreamdb:rollback');
  let result = base;
  await sql
    .begin(async (tx) => {
      const withData = async () =>
        (
          await tx<{ n: number }[]>`select count(*)::int as n from (select 1 from public.artists a where exists (
            select 1 from public.metrics m where m.artist_id = a.id and m.metric_date >= current_date - 30) limit ${settings.seedArtists}) s`
        )[0]!.n;
      let seeded = 0;
      if ((await withData()) < settings.seedArtists) {
        options.onProgress(`seeding ${settings.seedArtists} artists inside the audit transaction`);
        await runSeed(tx, settings.seedArtists, settings.seedDays);
        seeded = settings.seedArtists;
      }
      const artists = await tx<{ id: string; email: string | null }[]>`
        select a.id::text as id, a.email from public.artists a
        where exists (select 1 from public.metrics m where m.artist_id = a.id and m.metric_date >= current_date - 30)
        order by a.id limit ${settings.artists}`;
      const actors = artists.map((a, i) =>
        makeActor(`artist_${i + 1}`, 'authenticated', timeout, config.claims, { sub: a.id, email: a.email ?? '' }),
      );
      const session = new ProbeSession(tx);
      const timings = new Map<string, Map<string, number[]>>(
        queries.map((q) => [q.name, new Map(actors.map((a) => [a.key, []]))]),
      );
      const paramsFor = (q: LatencyQuery, actor: AuditActor) =>
        q.params.map((p) => (p === 'artist_id' ? actor.sub! : p === 'platform' ? settings.platform : null));
      const findings: Finding[] = [];
      // A query that fails (a grant the app needs was revoked, a column renamed) is a finding; the others are still measured.
      const failed = new Map<string, { actor: string; code: string; message: string }>();
      for (let i = -1; i < settings.iterations; i += 1) {
        if (i % 10 === 0) options.onProgress(`latency run ${i + 1}/${settings.iterations}`);
        for (const actor of actors) {
          for (const q of queries) {
            if (failed.has(q.name)) continue;
            const res = await session.as(
              actor,
              async (t) => {
                const started = performance.now();
                await t.unsafe(q.sql, paramsFor(q, actor));
                return performance.now() - started;
              },
              { method: 'GET' },
            );
            if (!res.ok) {
              failed.set(q.name, { actor: actor.key, code: res.code, message: res.message });
              continue;
            }
            if (i >= 0) timings.get(q.name)!.get(actor.key)!.push(res.value);
          }
        }
      }
      for (const [name, f] of failed) {
        findings.push({
          area: 'latency',
          id: 'latency.query_failed',
          level: 'error',
          object: name,
          actor: f.actor,
          operation: queries.find((q) => q.name === name)!.title,
          expected: 'the query runs as a signed-in artist',
          actual: `${f.code}: ${f.message}`,
          message: `the mobile query ${name} fails as ${f.actor}: ${f.message} (${f.code}); the app's screen that runs it is broken`,
          hint:
            f.code === '42501'
              ? 'A grant or policy the app needs is missing: restore it (see the isolation findings for the same table).'
              : `Check sql/audit/latency/${name}.sql against the schema.`,
        });
      }
      const stats: LatencyStat[] = [];
      for (const q of queries) {
        if (failed.has(q.name)) continue;
        const perActor = timings.get(q.name)!;
        const all = [...perActor.values()].flat();
        const budgetMs = settings.budgets[q.name] ?? settings.budgets.default ?? DEFAULT_BUDGET_MS;
        const stat: LatencyStat = {
          name: q.name,
          title: q.title,
          budgetMs,
          runs: all.length,
          p50: percentile(all, 50),
          p95: percentile(all, 95),
          p99: percentile(all, 99),
          max: Math.max(...all),
          breach: percentile(all, 95) > budgetMs,
        };
        stats.push(stat);
        if (!stat.breach) continue;
        const slowest = actors.reduce((a, b) =>
          percentile(perActor.get(b.key)!, 95) > percentile(perActor.get(a.key)!, 95) ? b : a,
        );
        const explained = await explainAs(session, slowest, q, paramsFor(q, slowest));
        findings.push({
          area: 'latency',
          id: 'latency.budget',
          level: 'error',
          object: q.name,
          actor: slowest.key,
          operation: q.title,
          expected: `p95 <= ${fmt(budgetMs)} ms`,
          actual: `p95 ${fmt(stat.p95)} ms (p50 ${fmt(stat.p50)}, p99 ${fmt(stat.p99)})`,
          message: `${q.name} misses its budget: p95 ${fmt(stat.p95)} ms > ${fmt(budgetMs)} ms${explained.causes.length ? `; ${explained.causes[0]}` : ''}`,
          hint: explained.causes.length ? explained.causes.join(' ') : 'Read the plan below for the slowest node.',
          details: [`EXPLAIN (ANALYZE, BUFFERS) as ${slowest.key}:`, ...explained.plan],
        });
      }
      result = { stats, artists: actors.length, iterations: settings.iterations, seeded, findings };
      throw rollback;
    })
    .catch((error) => {
      if (error !== rollback) throw error;
    });
  return result;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

async function explainAs(
  session: ProbeSession,
  actor: AuditActor,
  q: LatencyQuery,
  params: unknown[],
): Promise<{ plan: string[]; causes: string[] }> {
  const text = await session.as(actor, (t) =>
    t.unsafe<Record<string, string>[]>(`explain (analyze, buffers, verbose) ${q.sql}`, params as string[]),
  );
  const json = await session.as(actor, (t) =>
    t.unsafe<Record<string, unknown>[]>(
      `explain (analyze, buffers, verbose, format json) ${q.sql}`,
      params as string[],
    ),
  );
  const plan = text.ok ? text.value.map((r) => Object.values(r)[0] as string) : [`(EXPLAIN failed: ${text.message})`];
  const raw = json.ok ? Object.values(json.value[0] ?? {})[0] : undefined;
  return { plan, causes: planCauses(typeof raw === 'string' ? JSON.parse(raw) : raw) };
}

interface PlanNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  'Rows Removed by Filter'?: number;
  'Sort Method'?: string;
  Filter?: string;
  'Parent Relationship'?: string;
  Plans?: PlanNode[];
}

/** The likely causes, from a FORMAT JSON plan: big sequential scans, per-row auth calls, per-row sub-plans, spilled sorts. */
export function planCauses(plan: unknown): string[] {
  const causes: string[] = [];
  const nodes: PlanNode[] = [];
  const visit = (n: PlanNode) => {
    nodes.push(n);
    for (const c of n.Plans ?? []) visit(c);
  };
  const root = Array.isArray(plan) ? (plan[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined;
  if (!root) return causes;
  visit(root);
  for (const n of nodes) {
    const rel = n['Relation Name'];
    const loops = n['Actual Loops'] ?? 1;
    if (n.Filter && /current_setting\(|auth\.(uid|jwt|role|email)\(\)/.test(n.Filter)) {
      causes.push(
        `per-row auth call on ${rel ?? n['Node Type']}: the policy calls auth.uid() for every row; wrap it as (select auth.uid()).`,
      );
    }
    const removed = (n['Rows Removed by Filter'] ?? 0) * loops;
    if (n['Node Type'] === 'Seq Scan' && (removed > 1000 || (n['Actual Rows'] ?? 0) * loops > 10_000)) {
      causes.push(
        `sequential scan on ${rel}${removed ? ` (${removed} rows read and thrown away)` : ''}: missing index on the filter columns (${n.Filter ?? 'none'}).`,
      );
    }
    if (n['Parent Relationship'] === 'SubPlan' && loops > 100) {
      causes.push(
        `a sub-plan${rel ? ` on ${rel}` : ''} runs ${loops} times (once per row): per-row function call or correlated sub-query.`,
      );
    }
    if (n['Node Type'] === 'Function Scan' && loops > 100)
      causes.push(`a function is called ${loops} times (once per row).`);
    if (n['Sort Method'] && /external/i.test(n['Sort Method']))
      causes.push(
        `a sort spilled to disk (${n['Sort Method']}): raise work_mem or sort fewer rows (index the ORDER BY).`,
      );
  }
  if (!causes.length) {
    const slowest = nodes.reduce((a, b) =>
      (b['Actual Total Time'] ?? 0) * (b['Actual Loops'] ?? 1) >
      (a['Actual Total Time'] ?? 0) * (a['Actual Loops'] ?? 1)
        ? b
        : a,
    );
    causes.push(
      `no single cause stands out; the slowest node is ${slowest['Node Type']}${slowest['Relation Name'] ? ` on ${slowest['Relation Name']}` : ''} (${(slowest['Actual Total Time'] ?? 0).toFixed(2)} ms x ${slowest['Actual Loops'] ?? 1}).`,
    );
  }
  return [...new Set(causes)];
}
