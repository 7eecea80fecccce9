/** The audit's pure parts: expectations diff, plan reading, catalog text parsing, JUnit. */
import { describe, expect, it } from 'vitest';
import { diffExpectations, formatExpectations, matrixLines, parseExpectations } from '../../src/audit/expectations.js';
import { partitionValue } from '../../src/audit/fixtures.js';
import { allowedValues, type Relation } from '../../src/audit/catalog.js';
import { planCauses } from '../../src/audit/latency.js';
import { perRowCalls } from '../../src/audit/lints.js';
import { junitXml, type AuditReport } from '../../src/audit/report.js';

describe('expectations', () => {
  const cells = [
    { relation: 'public.tasks', actor: 'artist_a', op: 'select', outcome: { kind: 'visible' as const, own: 1, other: 0, foreign: false, keyed: true } },
    { relation: 'public.tasks', actor: 'artist_a', op: 'update own title', outcome: { kind: 'rows' as const, n: 1 } },
    { relation: 'public.m[partition]', actor: 'anon', op: 'select', outcome: { kind: 'error' as const, code: '42501', message: '' } },
    { relation: 'public.m[partition]', actor: 'anon', op: 'select', outcome: { kind: 'error' as const, code: '42501', message: '' } },
  ];

  it('round-trips through the file format, partitions collapsed to one line', () => {
    const lines = matrixLines(cells);
    expect(lines.size).toBe(3);
    const text = formatExpectations(lines);
    expect(text).toContain('public.tasks\tartist_a\tselect\town=1 other=0\n');
    expect(parseExpectations(text, 'x')).toEqual(lines);
  });

  it('names unexpected allows, unexpected denies, changes, new and stale lines', () => {
    const expected = new Map([
      ['t\ta\tupdate own x', 'rows=1'],
      ['t\ta\tinsert other', 'denied'],
      ['t\ta\tselect', 'own=1 other=0'],
      ['t\ta\tgone', 'denied'],
    ]);
    const actual = new Map([
      ['t\ta\tupdate own x', 'denied'],
      ['t\ta\tinsert other', 'rows=1'],
      ['t\ta\tselect', 'error:57014'],
      ['t\ta\tnew', 'ok'],
    ]);
    const ids = diffExpectations(expected, actual, 'f').map((f) => `${f.id} ${f.operation ?? f.details?.[0]}`).sort();
    expect(ids).toEqual([
      'expectations.stale a gone: denied',
      'expectations.unreviewed a new: ok',
      'isolation.unexpected_allow insert other',
      'isolation.unexpected_deny select',
      'isolation.unexpected_deny update own x',
    ]);
  });

  it('rejects a malformed file with the line number', () => {
    expect(() => parseExpectations('# c\nonly\ttwo\n', 'e.txt')).toThrow(/e\.txt:2: expected 4/);
  });
});

describe('reading plans', () => {
  const seqScanPlan = [{ Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'insights', 'Actual Rows': 10, 'Actual Loops': 1, 'Rows Removed by Filter': 5000, Filter: "((artist_id = (COALESCE(current_setting('request.jwt.claim.sub'::text, true)))::uuid))" }] } }];

  it('finds per-row auth calls and big sequential scans', () => {
    const causes = planCauses(seqScanPlan);
    expect(causes.join(' ')).toMatch(/per-row auth call on insights/);
    expect(causes.join(' ')).toMatch(/sequential scan on insights \(5000 rows/);
    expect(perRowCalls(seqScanPlan)).toHaveLength(1);
  });

  it('accepts an InitPlan-wrapped auth.uid()', () => {
    const plan = [{ Plan: { 'Node Type': 'Seq Scan', 'Relation Name': 'tasks', Filter: '(artist_id = $0)', Plans: [{ 'Node Type': 'Result', 'Parent Relationship': 'InitPlan', Output: ["current_setting('x')"] }] } }];
    expect(perRowCalls(plan)).toEqual([]);
    expect(planCauses(plan)[0]).toMatch(/no single cause/);
  });
});

describe('catalog text', () => {
  it('reads partition bounds and CHECK lists', () => {
    expect(partitionValue("FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')")).toBe('2026-01-01');
    expect(partitionValue("FOR VALUES IN ('spotify', 'tiktok')")).toBe('spotify');
    expect(partitionValue('DEFAULT')).toBeUndefined();
    const rel = { checks: ["CHECK ((tier = ANY (ARRAY['free'::text, 'pro'::text, 'premium'::text])))"] } as unknown as Relation;
    expect(allowedValues(rel, 'tier')).toEqual(['free', 'pro', 'premium']);
    expect(allowedValues(rel, 'status')).toBeUndefined();
  });
});

describe('junit', () => {
  it('escapes and counts failures per area', () => {
    const report: AuditReport = {
      ok: false, exitCode: 3, target: 't', areas: ['isolation'], durationMs: 1, suppressed: [],
      findings: [{ area: 'isolation', id: 'x.y', level: 'error', object: 'public."a"<b>', message: 'm & n', hint: 'h' }],
    };
    const xml = junitXml(report);
    expect(xml).toContain('failures="1"');
    expect(xml).toContain('public.&quot;a&quot;&lt;b&gt;');
    expect(xml).toContain('m &amp; n');
  });
});
