/** The audit's report: human lines (a summary per area, then findings with a fix), JSON, JUnit XML. */
import { writeFileAtomically } from '../files.js';
import { style } from '../ui/output.js';
import type { IsolationSummary } from './isolation.js';
import type { LatencyResult } from './latency.js';
import type { LintDefinition } from './lints.js';
import type { Area, Finding } from './model.js';

export interface AuditReport {
  ok: boolean;
  exitCode: 0 | 3;
  target: string;
  areas: Area[];
  durationMs: number;
  isolation?: IsolationSummary & {
    expectations: {
      file: string;
      status: 'matched' | 'differs' | 'missing' | 'written' | 'not compared';
      lines: number;
    };
  };
  lints?: {
    run: number;
    skipped: { id: string; reason: string }[];
    definitions: Pick<LintDefinition, 'id' | 'level' | 'title'>[];
  };
  latency?: Omit<LatencyResult, 'findings'>;
  findings: Finding[];
  suppressed: Finding[];
}

const LEVEL_ORDER = { error: 0, warn: 1, info: 2 } as const;

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
      a.area.localeCompare(b.area) ||
      a.id.localeCompare(b.id) ||
      a.object.localeCompare(b.object),
  );
}

export function failing(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.level !== 'info');
}

function count(findings: Finding[], area: Area): string {
  const mine = findings.filter((f) => f.area === area);
  const bad = failing(mine).length;
  const info = mine.length - bad;
  const text = bad ? style.red(`${bad} finding${bad === 1 ? '' : 's'}`) : style.green('0 findings');
  return `${text}${info ? style.dim(` (+${info} info)`) : ''}`;
}

export function renderReport(r: AuditReport): string[] {
  const lines: string[] = [`audit-rls on ${r.target} (${(r.durationMs / 1000).toFixed(1)} s)`];
  if (r.isolation) {
    const s = r.isolation;
    lines.push(
      `  isolation  ${s.targets} relations (${s.tenantTargets} tenant-owned, ${s.buckets} bucket${s.buckets === 1 ? '' : 's'}), ${s.functions} functions, ${s.artists} artists + anon + service_role, ${s.probes} probes: ${count(r.findings, 'isolation')}`,
    );
    lines.push(
      `             expectations ${s.expectations.file}: ${s.expectations.status}; realtime: ${s.realtime.published.length} published${s.realtime.viaRoot === null ? ' (no supabase_realtime publication)' : s.realtime.viaRoot ? ', partitions via root' : ''}`,
    );
    for (const skip of s.skippedFixtures)
      lines.push(style.dim(`             no fixture in ${skip.relation}: ${skip.reason}`));
  }
  if (r.lints) {
    lines.push(`  lints      ${r.lints.run} lints: ${count(r.findings, 'lints')}`);
    for (const skip of r.lints.skipped) lines.push(style.dim(`             skipped ${skip.id}: ${skip.reason}`));
  }
  if (r.latency) {
    const l = r.latency;
    if (l.skipped) lines.push(`  latency    skipped: ${l.skipped}`);
    else {
      lines.push(
        `  latency    ${l.stats.length} queries x ${l.artists} artists x ${l.iterations} runs${l.seeded ? ` (${l.seeded} artists seeded inside the audit, rolled back)` : ''}: ${count(r.findings, 'latency')}`,
      );
      for (const s of l.stats) {
        const mark = s.breach ? style.red('✖') : style.green('✔');
        lines.push(
          `    ${mark} ${s.name.padEnd(22)} p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  budget p95 ${ms(s.budgetMs)}`,
        );
      }
    }
  }
  const shown = sortFindings(r.findings);
  if (shown.length) lines.push('', 'Findings:');
  for (const f of shown) {
    const tag =
      f.level === 'error' ? style.red('ERROR') : f.level === 'warn' ? style.yellow('WARN ') : style.dim('INFO ');
    lines.push(`${tag} ${style.bold(f.id)}  ${f.object}`);
    lines.push(`      ${f.message}`);
    const who = [f.actor && `actor: ${f.actor}`, f.operation && `operation: ${f.operation}`]
      .filter(Boolean)
      .join('   ');
    if (who) lines.push(`      ${who}`);
    if (f.expected !== undefined || f.actual !== undefined)
      lines.push(`      expected: ${f.expected ?? '-'}   actual: ${f.actual ?? '-'}`);
    lines.push(`      ${style.cyan('fix:')} ${f.hint}`);
    for (const d of f.details ?? []) lines.push(style.dim(`        ${d}`));
  }
  if (r.suppressed.length) {
    lines.push('', style.dim(`Suppressed (${r.suppressed.length}):`));
    for (const f of r.suppressed) lines.push(style.dim(`  ${f.id}  ${f.object}: ${f.suppressed}`));
  }
  const bad = failing(r.findings).length;
  lines.push(
    '',
    r.ok ? style.green('✔ clean: no findings') : style.red(`✖ ${bad} finding${bad === 1 ? '' : 's'} (exit 3)`),
  );
  return lines;
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`.padStart(9);
}

export function xml(text: string): string {
  return (
    text
      .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
      // XML 1.0 forbids these control characters even escaped: they are removed on purpose.
      // oxlint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

/** JUnit XML: one suite per area, one failing test case per finding, one passing case per clean check. */
export function junitXml(r: AuditReport): string {
  const suites: string[] = [];
  for (const area of r.areas) {
    const cases: string[] = [];
    for (const f of sortFindings(r.findings.filter((x) => x.area === area))) {
      const name = xml(`${f.id} ${f.object}${f.actor ? ` as ${f.actor}` : ''}`);
      const body = xml(
        [
          f.message,
          f.operation && `operation: ${f.operation}`,
          `expected: ${f.expected ?? '-'}`,
          `actual: ${f.actual ?? '-'}`,
          `fix: ${f.hint}`,
          ...(f.details ?? []),
        ]
          .filter(Boolean)
          .join('\n'),
      );
      cases.push(
        f.level === 'info'
          ? `    <testcase classname="audit-rls.${area}" name="${name}"><system-out>${body}</system-out></testcase>`
          : `    <testcase classname="audit-rls.${area}" name="${name}"><failure type="${f.level}" message="${xml(f.message)}">${body}</failure></testcase>`,
      );
    }
    if (area === 'latency' && r.latency) {
      for (const s of r.latency.stats.filter((x) => !x.breach))
        cases.push(
          `    <testcase classname="audit-rls.latency" name="${xml(s.name)} p95 ${s.p95.toFixed(2)} ms within ${s.budgetMs} ms"/>`,
        );
    }
    if (area === 'lints' && r.lints) {
      const hit = new Set(r.findings.filter((f) => f.area === 'lints').map((f) => f.id));
      for (const d of r.lints.definitions.filter((x) => !hit.has(x.id)))
        cases.push(`    <testcase classname="audit-rls.lints" name="${xml(d.id)}"/>`);
    }
    if (area === 'isolation' && !failing(r.findings.filter((f) => f.area === 'isolation')).length) {
      cases.push(
        `    <testcase classname="audit-rls.isolation" name="tenant isolation (${r.isolation?.probes ?? 0} probes)"/>`,
      );
    }
    const failures = failing(r.findings.filter((f) => f.area === area)).length;
    suites.push(
      `  <testsuite name="audit-rls ${area}" tests="${cases.length}" failures="${failures}" errors="0">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dreamdb audit-rls" time="${(r.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

export async function writeJunit(file: string, r: AuditReport): Promise<void> {
  await writeFileAtomically(file, junitXml(r));
}
