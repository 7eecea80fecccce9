/** The lint report as text, JSON, SARIF 2.1.0 (GitHub code scanning) and JUnit XML. */
import { writeFileAtomically } from '../files.js';
import path from 'node:path';
import { xml } from '../audit/report.js';
import { style } from '../ui/output.js';
import type { Finding, LintReport } from './model.js';
import { META_RULES, RULES } from './rules/index.js';

const DEFINITIONS = [...RULES, ...META_RULES];
const definition = (id: string) => DEFINITIONS.find((r) => r.id === id);

export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule),
  );
}

export function renderLint(report: LintReport, options: { explain?: boolean } = {}): string[] {
  const lines: string[] = [];
  const explain = options.explain ?? true;
  const shown = new Set<string>();
  for (const f of sortFindings(report.findings)) {
    const level = f.level === 'error' ? style.red('error') : style.yellow('warn ');
    lines.push(`${f.file}:${f.line}:${f.column}  ${level}  ${style.bold(f.rule)}  ${f.message}`);
    const d = definition(f.rule);
    if (explain && d && !shown.has(f.rule)) {
      shown.add(f.rule);
      lines.push(`    ${style.dim('why:')} ${d.why}`, `    ${style.dim('fix:')} ${d.fix}`);
    }
  }
  for (const s of sortFindings(report.suppressed)) {
    lines.push(
      `${s.file}:${s.line}:${s.column}  ${style.dim('allowed')}  ${s.rule}  ${s.suppressedBy === 'comment' ? `suppressed: ${s.reason}` : `accepted for this run (${s.reason})`}`,
    );
  }
  const c = report.counts;
  const summary = `${report.files.length} file(s) linted against ${report.knowledge === 'catalog' ? "the target's catalog" : 'the earlier migration files'}: ${c.error} error(s), ${c.warn} warning(s), ${c.suppressed} suppressed.`;
  lines.push(report.findings.length ? style.red(summary) : style.green(summary));
  return lines;
}

export function lintJson(report: LintReport) {
  return {
    files: report.files,
    knowledge: report.knowledge,
    counts: report.counts,
    findings: sortFindings(report.findings).map((f) => ({
      ...f,
      why: definition(f.rule)?.why,
      fix: definition(f.rule)?.fix,
    })),
    suppressed: sortFindings(report.suppressed),
  };
}

/** SARIF 2.1.0: one run, every rule described, suppressed findings carried with their justification. */
export function lintSarif(report: LintReport) {
  const level = (l: Finding['level']) => (l === 'error' ? 'error' : 'warning');
  const result = (f: Finding, suppression?: { reason: string; by: string }) => ({
    ruleId: f.rule,
    level: level(f.level),
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: f.file.split(path.sep).join('/') },
          region: { startLine: f.line, startColumn: f.column },
        },
      },
    ],
    ...(suppression
      ? {
          suppressions: [
            { kind: suppression.by === 'comment' ? 'inSource' : 'external', justification: suppression.reason },
          ],
        }
      : {}),
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dreamdb migration lint',
            informationUri: 'https://github.com/dream-suite/dreamdb',
            rules: DEFINITIONS.map((r) => ({
              id: r.id,
              shortDescription: { text: r.title },
              fullDescription: { text: r.why },
              help: { text: r.fix, markdown: r.fix },
              defaultConfiguration: { level: level(r.level) },
            })),
          },
        },
        results: [
          ...sortFindings(report.findings).map((f) => result(f)),
          ...sortFindings(report.suppressed).map((s) => result(s, { reason: s.reason, by: s.suppressedBy })),
        ],
      },
    ],
  };
}

/** JUnit: one suite per file, one failing case per finding, a passing case for a clean file. */
export function lintJunit(report: LintReport): string {
  const suites = report.files.map((file) => {
    const findings = sortFindings(report.findings.filter((f) => f.file === file));
    const cases = findings.map((f) => {
      const d = definition(f.rule);
      const body = xml(
        [`${f.file}:${f.line}:${f.column}`, f.statement, `why: ${d?.why ?? ''}`, `fix: ${d?.fix ?? ''}`].join('\n'),
      );
      return `    <testcase classname="migration-lint.${xml(file)}" name="${xml(`${f.rule} at ${f.line}:${f.column}`)}" file="${xml(file)}" line="${f.line}"><failure type="${f.level}" message="${xml(f.message)}">${body}</failure></testcase>`;
    });
    for (const s of report.suppressed.filter((x) => x.file === file)) {
      cases.push(
        `    <testcase classname="migration-lint.${xml(file)}" name="${xml(`${s.rule} at ${s.line}:${s.column} (suppressed)`)}"><skipped message="${xml(s.reason)}"/></testcase>`,
      );
    }
    if (!cases.length) cases.push(`    <testcase classname="migration-lint.${xml(file)}" name="clean"/>`);
    return `  <testsuite name="${xml(file)}" tests="${cases.length}" failures="${findings.length}" errors="0" skipped="${report.suppressed.filter((x) => x.file === file).length}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dreamdb migration lint" tests="${report.findings.length}" failures="${report.findings.length}">\n${suites.join('\n')}\n</testsuites>\n`;
}

export async function writeReportFile(file: string, text: string): Promise<void> {
  await writeFileAtomically(file, text);
}
