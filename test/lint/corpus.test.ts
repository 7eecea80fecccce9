/**
 * The corpora, linted as the next files after the shipped migrations: fixtures/lint strictly
 * (every file as its manifest says); the held-out corpus (written from the issue by someone who
 * never saw the rules) against the score measured when it arrived, so it can only improve.
 */
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintFiles, schemaFromFiles } from '../../src/lint/lint.js';
import type { LintFile } from '../../src/lint/model.js';
import { loadMigrationFiles, NO_TRANSACTION } from '../../src/migrate/files.js';

interface Case {
  file: string;
  expect: 'finding' | 'quiet';
  rules?: string[];
  after?: string[];
}

async function read(dir: string, file: string): Promise<LintFile> {
  const text = await fs.readFile(path.join(dir, file), 'utf8');
  return { path: file, text, noTransaction: NO_TRANSACTION.test(text) };
}

async function verdict(dir: string, c: Case): Promise<string[]> {
  const { files: shipped } = await loadMigrationFiles(path.resolve('sql/migrations'));
  const history = [...shipped, ...(await Promise.all((c.after ?? []).map((a) => read(dir, a))))];
  const report = await lintFiles([await read(dir, c.file)], { schema: await schemaFromFiles(history) });
  return [...new Set(report.findings.map((f) => f.rule))].sort();
}

describe('fixtures/lint corpus', () => {
  const cases = JSON.parse(readFileSync('fixtures/lint/manifest.json', 'utf8')) as Case[];
  for (const c of cases) {
    it(`${c.file}: ${c.expect}${c.rules ? ` (${c.rules.join(', ')})` : ''}`, async () => {
      const rules = await verdict('fixtures/lint/corpus', c);
      expect(rules).toEqual(c.expect === 'quiet' ? [] : [...c.rules!].sort());
    });
  }
});

const HELDOUT = 'test/lint/heldout';
describe.skipIf(!existsSync(`${HELDOUT}/manifest.json`))('held-out corpus', () => {
  it('scores at least what it scored when it arrived', async () => {
    const cases = JSON.parse(readFileSync(`${HELDOUT}/manifest.json`, 'utf8')) as Case[];
    const misses: string[] = [];
    const alarms: string[] = [];
    for (const c of cases) {
      const rules = await verdict(HELDOUT, c);
      if (c.expect === 'finding' && !rules.length) misses.push(c.file);
      if (c.expect === 'quiet' && rules.length) alarms.push(`${c.file} [${rules.join(', ')}]`);
    }
    const floor = JSON.parse(readFileSync(`${HELDOUT}/score.json`, 'utf8')) as {
      maxMisses: number;
      maxFalseAlarms: number;
    };
    expect(misses.length, `missed: ${misses.join(', ')}`).toBeLessThanOrEqual(floor.maxMisses);
    expect(alarms.length, `false alarms: ${alarms.join('; ')}`).toBeLessThanOrEqual(floor.maxFalseAlarms);
  });
});
