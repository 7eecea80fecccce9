/** The audit's pure parts: expectations diff, plan reading, catalog text parsing, JUnit. */
import { describe, expect, it } from 'vitest';
import {
  diffExpectations,
  FORMAT_LINE,
  formatExpectations,
  matrixLines,
  parseExpectations,
} from '../../src/audit/expectations.js';
import { classifyError, formatOutcome } from '../../src/audit/model.js';
import { partitionValue } from '../../src/audit/fixtures.js';
import { allowedValues, type Relation } from '../../src/audit/catalog.js';
import { planCauses } from '../../src/audit/latency.js';
import { perRowCalls } from '../../src/audit/lints.js';
import { junitXml, type AuditReport } from '../../src/audit/report.js';

describe('expectations', () => {
  const cells = [
    {
      relation: 'public.tasks',
      actor: 'artist_a',
      op: 'select',
      outcome: { kind: 'visible' as const, own: 1, other: 0, foreign: false, keyed: true },
    },
    {
      relation: 'public.tasks',
      actor: 'artist_b',
      op: 'select',
      outcome: { kind: 'visible' as const, own: 4, other: 0, foreign: false, keyed: true },
    },
    { relation: 'public.tasks', actor: 'artist_a', op: 'update own title', outcome: { kind: 'rows' as const, n: 1 } },
    {
      relation: 'public.m[partition]',
      actor: 'anon',
      op: 'select',
      outcome: { kind: 'error' as const, code: '42501', message: 'permission denied for table m_y2026' },
    },
    {
      relation: 'public.m[partition]',
      actor: 'anon',
      op: 'select',
      outcome: { kind: 'error' as const, code: '42501', message: 'permission denied for table m_y2027' },
    },
  ];

  it('records categories, never counts: artists alike, partitions collapsed to one line', () => {
    const lines = matrixLines(cells);
    expect(lines.size).toBe(3);
    const text = formatExpectations(lines);
    expect(text).toContain('public.tasks\tartist\tselect\town\n');
    expect(text).toContain('public.tasks\tartist\tupdate own title\tallowed\n');
    expect(text).toContain('public.m[partition]\tanon\tselect\tdenied:privilege\n');
    expect(parseExpectations(text, 'x')).toEqual(lines);
  });

  it('a new partition, more history or another year change no line', () => {
    const more = [
      ...cells,
      {
        relation: 'public.m[partition]',
        actor: 'anon',
        op: 'select',
        outcome: { kind: 'error' as const, code: '42501', message: 'permission denied for table m_y2028' },
      },
      {
        relation: 'public.tasks',
        actor: 'artist_c',
        op: 'select',
        outcome: { kind: 'visible' as const, own: 40, other: 0, foreign: true, keyed: true },
      },
    ];
    expect(matrixLines(more)).toEqual(matrixLines(cells));
  });

  it('classifies every refusal: privilege, RLS, constraint, FK, NOT NULL, trigger, other errors by class', () => {
    expect(classifyError('42501', 'permission denied for table tasks')).toBe('denied:privilege');
    expect(classifyError('42501', 'new row violates row-level security policy for table "tasks"')).toBe('denied:rls');
    expect(
      classifyError('42501', 'artists.email must be...', 'PL/pgSQL function artists_set_email() line 6 at RAISE'),
    ).toBe('blocked:trigger');
    expect(classifyError('23503', 'update or delete on table "insights" violates foreign key constraint')).toBe(
      'blocked:fk',
    );
    expect(classifyError('23502', 'null value in column')).toBe('blocked:not-null');
    expect(classifyError('23514', 'violates check constraint')).toBe('blocked:check');
    expect(classifyError('23505', 'duplicate key')).toBe('blocked:unique');
    expect(classifyError('P0001', 'nope', 'PL/pgSQL function f() line 3 at RAISE')).toBe('blocked:trigger');
    expect(classifyError('57014', 'canceling statement due to statement timeout')).toBe('error:timeout');
    expect(classifyError('22P02', 'invalid input syntax')).toBe('error:22');
    expect(formatOutcome({ kind: 'rows', n: 0 })).toBe('none');
    expect(formatOutcome({ kind: 'visible', own: 2, other: 3, foreign: false, keyed: true })).toBe('own+others');
  });

  it('names unexpected allows, unexpected denies, changes, new and stale lines', () => {
    const expected = new Map([
      ['t\ta\tupdate own x', 'allowed'],
      ['t\ta\tinsert other', 'denied:rls'],
      ['t\ta\tselect', 'own'],
      ['t\ta\tdelete own', 'blocked:fk'],
      ['t\ta\tgone', 'denied:privilege'],
    ]);
    const actual = new Map([
      ['t\ta\tupdate own x', 'denied:privilege'],
      ['t\ta\tinsert other', 'allowed'],
      ['t\ta\tselect', 'error:timeout'],
      ['t\ta\tdelete own', 'blocked:trigger'],
      ['t\ta\tnew', 'allowed'],
      ['u\ta\tselect', 'own'],
    ]);
    const findings = diffExpectations(expected, actual, 'f');
    const ids = findings.map((f) => `${f.id} ${f.operation ?? f.details?.[0]}`).sort();
    expect(ids).toEqual([
      'expectations.stale a gone: denied:privilege',
      'expectations.unreviewed a new: allowed',
      'expectations.unreviewed a select: own',
      'isolation.changed delete own',
      'isolation.unexpected_allow insert other',
      'isolation.unexpected_deny select',
      'isolation.unexpected_deny update own x',
    ]);
    const fresh = findings.find((f) => f.object === 'u')!;
    expect(fresh.message).toMatch(/^u is new and not reviewed/);
    expect(fresh.hint).toMatch(/dreamdb audit-rls --write-expectations/);
    expect(fresh.hint).toMatch(/commit/);
  });

  it('rejects a malformed file with the line number, and the old count format with the command to rewrite it', () => {
    expect(() => parseExpectations(`${FORMAT_LINE}\n# c\nonly\ttwo\n`, 'e.txt')).toThrow(/e\.txt:3: expected 4/);
    expect(() => parseExpectations('t\tartist_a\tselect\town=1 other=0\n', 'e.txt')).toThrow(/old format/);
  });
});

describe('reading plans', () => {
  const seqScanPlan = [
    {
      Plan: {
        'Node Type': 'Limit',
        Plans: [
          {
            'Node Type': 'Seq Scan',
            'Relation Name': 'insights',
            'Actual Rows': 10,
            'Actual Loops': 1,
            'Rows Removed by Filter': 5000,
            Filter: "((artist_id = (COALESCE(current_setting('request.jwt.claim.sub'::text, true)))::uuid))",
          },
        ],
      },
    },
  ];

  it('finds per-row auth calls and big sequential scans', () => {
    const causes = planCauses(seqScanPlan);
    expect(causes.join(' ')).toMatch(/per-row auth call on insights/);
    expect(causes.join(' ')).toMatch(/sequential scan on insights \(5000 rows/);
    expect(perRowCalls(seqScanPlan)).toHaveLength(1);
  });

  it('accepts an InitPlan-wrapped auth.uid()', () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Seq Scan',
          'Relation Name': 'tasks',
          Filter: '(artist_id = $0)',
          Plans: [{ 'Node Type': 'Result', 'Parent Relationship': 'InitPlan', Output: ["current_setting('x')"] }],
        },
      },
    ];
    expect(perRowCalls(plan)).toEqual([]);
    expect(planCauses(plan)[0]).toMatch(/no single cause/);
  });
});

describe('catalog text', () => {
  it('reads partition bounds and CHECK lists', () => {
    expect(partitionValue("FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')")).toBe('2026-01-01');
    expect(partitionValue("FOR VALUES IN ('spotify', 'tiktok')")).toBe('spotify');
    expect(partitionValue('DEFAULT')).toBeUndefined();
    const rel = {
      columns: [],
      checks: ["CHECK ((tier = ANY (ARRAY['free'::text, 'pro'::text, 'premium'::text])))"],
    } as unknown as Relation;
    expect(allowedValues(rel, 'tier')).toEqual(['free', 'pro', 'premium']);
    expect(allowedValues(rel, 'status')).toBeUndefined();
  });
});

describe('junit', () => {
  it('escapes and counts failures per area', () => {
    const report: AuditReport = {
      ok: false,
      exitCode: 3,
      target: 't',
      areas: ['isolation'],
      durationMs: 1,
      suppressed: [],
      findings: [
        { area: 'isolation', id: 'x.y', level: 'error', object: 'public."a"<b>', message: 'm & n', hint: 'h' },
      ],
    };
    const xml = junitXml(report);
    expect(xml).toContain('failures="1"');
    expect(xml).toContain('public.&quot;a&quot;&lt;b&gt;');
    expect(xml).toContain('m &amp; n');
  });
});
