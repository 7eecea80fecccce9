/** Suppression comments, --allow, and the report formats (no database). */
import { describe, expect, it } from 'vitest';
import { lintFiles, schemaFromFiles } from '../../src/lint/lint.js';
import { lintJson, lintJunit, lintSarif, renderLint } from '../../src/lint/report.js';

const HISTORY = 'CREATE TABLE public.jobs (id bigint PRIMARY KEY, note text);';
const FILE = 'sql/migrations/20261201000000_x.sql';

async function lint(text: string, allow: string[] = []) {
  const schema = await schemaFromFiles([{ path: 'h.sql', text: HISTORY, noTransaction: false }]);
  return lintFiles([{ path: FILE, text, noTransaction: false }], { schema, allow });
}

describe('suppression', () => {
  it('a comment above the statement naming the rule and a reason suppresses it, and is listed', async () => {
    const r = await lint(
      '-- dreamdb:allow truncate the queue is rebuilt from the events table\nTRUNCATE jobs;\nTRUNCATE jobs;\n',
    );
    expect(r.findings.map((f) => [f.rule, f.line])).toEqual([['truncate', 3]]);
    expect(r.suppressed).toMatchObject([
      { rule: 'truncate', line: 2, suppressedBy: 'comment', reason: 'the queue is rebuilt from the events table' },
    ]);
    expect(renderLint(r).join('\n')).toContain('suppressed: the queue is rebuilt from the events table');
  });
  it('a trailing comment on the statement line, and several rules in one comment', async () => {
    const r = await lint(
      'TRUNCATE jobs; -- dreamdb:allow truncate test data only\n-- dreamdb:allow lock-table, truncate: maintenance window\nLOCK TABLE jobs; TRUNCATE jobs;\n',
    );
    expect(r.findings.map((f) => f.rule)).toEqual(['truncate']); // the second TRUNCATE is a different statement
    expect(r.suppressed.map((s) => s.rule).sort()).toEqual(['lock-table', 'truncate']);
  });
  it('a comment naming another rule suppresses nothing', async () => {
    const r = await lint('-- dreamdb:allow lock-table wrong rule\nTRUNCATE jobs;\n');
    expect(r.findings.map((f) => f.rule)).toEqual(['truncate']);
  });
  it('without a reason, or with an unknown rule, it suppresses nothing and is itself a finding', async () => {
    const r = await lint(
      '-- dreamdb:allow truncate\nTRUNCATE jobs;\n-- dreamdb:allow no-such-rule because\nSELECT 1;\n',
    );
    expect(r.findings.map((f) => f.rule).sort()).toEqual(['bad-suppression', 'bad-suppression', 'truncate']);
    expect(r.findings.find((f) => f.line === 1)!.message).toContain('gives no reason');
    expect(r.findings.find((f) => f.line === 3)!.message).toContain('no-such-rule');
  });
  it('--allow accepts a rule for the run and lists what it accepted', async () => {
    const r = await lint('TRUNCATE jobs;\nLOCK TABLE jobs;\n', ['truncate']);
    expect(r.findings.map((f) => f.rule)).toEqual(['lock-table']);
    expect(r.suppressed).toMatchObject([{ rule: 'truncate', suppressedBy: 'allow' }]);
  });
  it('a file the parser rejects is one error-level finding at the position', async () => {
    const r = await lint('SELECT 1;\nALTER TABLE jobs ADD COLUMN;\n');
    expect(r.findings).toMatchObject([{ rule: 'parse-error', level: 'error', line: 2 }]);
  });
});

describe('formats', () => {
  it('JSON, SARIF 2.1.0 and JUnit carry file:line:col, the rule, and suppressions', async () => {
    const r = await lint(
      'CREATE INDEX jobs_note ON jobs (note);\n-- dreamdb:allow truncate fixture table\nTRUNCATE jobs;\n',
    );
    const json = lintJson(r);
    expect(json.findings[0]).toMatchObject({
      rule: 'index-not-concurrent',
      level: 'error',
      file: FILE,
      line: 1,
      column: 27,
    });
    expect(json.findings[0]!.fix).toContain('CONCURRENTLY');
    const sarif = lintSarif(r);
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0]!.results;
    expect(results[0]).toMatchObject({
      ruleId: 'index-not-concurrent',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: FILE }, region: { startLine: 1, startColumn: 27 } } }],
    });
    expect(results[1]).toMatchObject({
      ruleId: 'truncate',
      suppressions: [{ kind: 'inSource', justification: 'fixture table' }],
    });
    expect(sarif.runs[0]!.tool.driver.rules.map((x) => x.id)).toContain('new-table-without-rls');
    const junit = lintJunit(r);
    expect(junit).toContain('<failure type="error"');
    expect(junit).toContain('<skipped message="fixture table"/>');
    expect(junit).toMatch(/<testsuite name="sql\/migrations\/20261201000000_x.sql" tests="2" failures="1"/);
  });
});
