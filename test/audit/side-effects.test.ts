/**
 * Held-out side-effect cases for audit-rls (written from the specification alone, without reading
 * the audit's implementation). Each file in test/audit/side-effects/ plants one way a client write
 * can change rows it must not (another artist's rows in any tenant table, or the actor's own
 * server-owned values), or is a control that only touches the actor's own client-writable data.
 * A hole names what it expects in `-- expect: <finding id> <object>` lines (any one of them must
 * be reported, by a failing finding whose object equals or starts with the object); a file
 * without such lines is a control: no failing finding but `expectations.unreviewed`.
 * Every case was checked reachable by hand first (psql as role authenticated with artist A's JWT
 * claims: the planted write really changes the other artist's rows).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run.js';
import { failing } from '../../src/audit/report.js';
import { migratedDatabase } from '../helpers/db.js';
import { slots, testConfig } from './helpers.js';

const dir = path.resolve('test/audit/side-effects');
const expectationsFile = path.resolve('fixtures/audit/expectations.txt');

interface Case {
  file: string;
  sql: string;
  expects: { id: string; object: string }[];
}

const cases: Case[] = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.sql'))
  .sort()
  .map((file) => {
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    const expects = [...sql.matchAll(/^-- expect: (\S+) (\S+)\s*$/gm)].map((m) => ({ id: m[1]!, object: m[2]! }));
    return { file, sql, expects };
  });

/** Cases the audit does not catch yet: run as `it.fails` so they turn red the day they are caught. */
const knownMisses: Record<string, string> = {};

/** Each audit is several seconds of a two-core machine: at most two at once. */
const slot = slots(2);

function names(object: string, expected: string): boolean {
  return object === expected || object.startsWith(expected);
}

describe.concurrent('audit-rls side effects (held-out)', { timeout: 300_000 }, () => {
  it('has holes and controls', () => {
    expect(cases.filter((c) => c.expects.length > 0).length).toBeGreaterThanOrEqual(8);
    expect(cases.filter((c) => c.expects.length === 0).length).toBeGreaterThanOrEqual(2);
  });

  for (const c of cases) {
    const known = knownMisses[c.file];
    const test = known ? it.fails : it;
    const hole = c.expects.length > 0;
    test(`${hole ? 'catches' : 'stays quiet on'} ${c.file}${known ? ` (known miss: ${known})` : ''}`, () =>
      slot(async () => {
        const db = await migratedDatabase(`fx_${path.basename(c.file, '.sql').slice(0, 24)}`);
        try {
          await db.sql.unsafe(c.sql);
          const report = await runAudit(db.sql, testConfig(), { expectationsFile, only: 'isolation' });
          const bad = failing(report.findings);
          const all = bad.map((f) => `${f.id} ${f.object}`);
          if (hole) {
            const hits = bad.filter((f) => c.expects.some((e) => f.id === e.id && names(f.object, e.object)));
            console.log(`${c.file}: ${hits.map((f) => `${f.id} ${f.object}`).join('; ') || 'MISSED'}`);
            expect(
              hits.map((f) => `${f.id} ${f.object}`),
              `${c.file}: expected ${c.expects.map((e) => `${e.id} ${e.object}`).join(' or ')}\nall findings: ${all.join('; ') || 'none'}`,
            ).not.toEqual([]);
          } else {
            const noise = bad.filter((f) => f.id !== 'expectations.unreviewed');
            expect(
              noise.map((f) => `${f.id} ${f.object}: ${f.message}`),
              `${c.file}: a control must stay quiet`,
            ).toEqual([]);
          }
        } finally {
          await db.drop();
        }
      }));
  }
});
