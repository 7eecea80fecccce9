import { describe, expect, it } from 'vitest';
import { compareVersions, planMigrations, type LedgerRow, type MigrationFile } from '../../src/plan/migrations.js';
import { checksum, normalise } from '../../src/migrate/files.js';

const file = (version: string, text = `select ${version};`): MigrationFile => ({
  version,
  name: `m${version}`,
  path: `sql/migrations/${version}_m.sql`,
  text,
  checksum: checksum(text),
  noTransaction: false,
});
const row = (f: MigrationFile, overrides: Partial<LedgerRow> = {}): LedgerRow => ({
  version: f.version,
  name: f.name,
  checksum: f.checksum,
  appliedAt: new Date(0),
  statementsDone: null,
  ...overrides,
});

describe('planMigrations', () => {
  const a = file('20260101000000');
  const b = file('20260102000000');
  const c = file('20260103000000');

  it('plans every file on an empty ledger, in version order', () => {
    const plan = planMigrations([c, a, b], []);
    expect(plan.pending.map((f) => f.version)).toEqual([a.version, b.version, c.version]);
    expect(plan.applied).toEqual([]);
  });

  it('plans nothing when everything is applied', () => {
    const plan = planMigrations([a, b], [row(a), row(b)]);
    expect(plan.pending).toEqual([]);
    expect(plan.applied).toHaveLength(2);
  });

  it('reports an applied file whose checksum changed, and a version with no file', () => {
    const edited = { ...b, text: 'select 42;', checksum: checksum('select 42;') };
    const ghost: LedgerRow = {
      version: '20250101000000',
      name: 'gone',
      checksum: 'x',
      appliedAt: new Date(0),
      statementsDone: null,
    };
    const plan = planMigrations([a, edited], [row(a), row(b), ghost]);
    expect(plan.changed.map((x) => x.file.version)).toEqual([b.version]);
    expect(plan.unknown.map((r) => r.version)).toEqual(['20250101000000']);
  });

  it('stops at --to and keeps the rest for later', () => {
    const plan = planMigrations([a, b, c], [], { to: b.version });
    expect(plan.pending.map((f) => f.version)).toEqual([a.version, b.version]);
    expect(plan.deferred.map((f) => f.version)).toEqual([c.version]);
  });

  it('resumes an unfinished no-transaction file and notes files older than the newest applied', () => {
    const plan = planMigrations([a, b, c], [row(a, { statementsDone: 2, appliedAt: null }), row(c)]);
    expect(plan.partial.map((p) => p.file.version)).toEqual([a.version]);
    expect(plan.pending.map((f) => f.version)).toEqual([a.version, b.version]);
    expect(plan.outOfOrder.map((f) => f.version)).toEqual([b.version]);
  });

  it('resumes an unfinished file edited after its done statements only when told it is resumable', () => {
    const edited = { ...a, text: 'select 1; select 2;', checksum: checksum('select 1; select 2;') };
    const ledger = [row(a, { statementsDone: 1, appliedAt: null })];
    const strict = planMigrations([edited, b], ledger);
    expect(strict.changed.map((c) => c.file.version)).toEqual([a.version]);
    expect(strict.pending.map((f) => f.version)).toEqual([b.version]);
    const resumed = planMigrations([edited, b], ledger, { resumable: new Set([a.version]) });
    expect(resumed.changed).toEqual([]);
    expect(resumed.partial.map((p) => p.file.version)).toEqual([a.version]);
    expect(resumed.pending.map((f) => f.version)).toEqual([a.version, b.version]);
    // A finished file is never resumable: its edit stays a change.
    const finished = planMigrations([edited], [row(a)], { resumable: new Set([a.version]) });
    expect(finished.changed.map((c) => c.file.version)).toEqual([a.version]);
  });

  it('compares versions numerically, not as text', () => {
    expect(compareVersions('9', '10')).toBeLessThan(0);
    expect(compareVersions('20260101000000', '20260101000000')).toBe(0);
  });

  it('ignores line endings and trailing blanks in checksums, not content', () => {
    expect(normalise('select 1;  \r\n\r\n')).toBe('select 1;\n');
    expect(checksum('select 1;\r\n')).toBe(checksum('select 1;\n\n'));
    expect(checksum('select 1;')).not.toBe(checksum('select 2;'));
  });
});

describe('planMigrations with the Supabase CLI ledger', () => {
  const a = file('20260101000000');
  const b = file('20260102000000');
  const c = file('20260103000000');
  const supa = (...fs: MigrationFile[]) => fs.map((f) => ({ version: f.version, name: f.name }));

  it('adopts versions only the Supabase CLI recorded: applied, not pending', () => {
    const plan = planMigrations([a, b, c], [], { supabase: supa(a, b) });
    expect(plan.adopted.map((f) => f.version)).toEqual([a.version, b.version]);
    expect(plan.applied.map((f) => f.version)).toEqual([a.version, b.version]);
    expect(plan.pending.map((f) => f.version)).toEqual([c.version]);
    expect(plan.outOfOrder).toEqual([]);
  });

  it('reports a dreamdb row missing from the Supabase ledger, and a Supabase version without a file', () => {
    const plan = planMigrations([a, b], [row(a), row(b)], {
      supabase: [...supa(a), { version: '20250101000000', name: 'old' }],
    });
    expect(plan.missingFromSupabase.map((m) => m.file.version)).toEqual([b.version]);
    expect(plan.unknownSupabase.map((r) => r.version)).toEqual(['20250101000000']);
    expect(planMigrations([a], [row(a)]).missingFromSupabase).toEqual([]); // not compared when not read
  });

  it('counts the Supabase ledger when finding out-of-order files', () => {
    const plan = planMigrations([a, b, c], [], { supabase: supa(a, c) });
    expect(plan.outOfOrder.map((f) => f.version)).toEqual([b.version]);
  });
});
