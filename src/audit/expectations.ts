/**
 * The reviewed matrix: one line per relation (or function), actor and operation with the outcome
 * observed when it was written (`dreamdb audit-rls --write-expectations`). Every run diffs against
 * it, so a change in access shows up in code review and an access that silently changes fails CI.
 */
import { writeFileAtomically } from '../files.js';
import fs from 'node:fs/promises';
import { DreamdbError, ExitCode } from '../errors.js';
import { actorClass, formatOutcome, isAllowed, type Cell, type Finding } from './model.js';

export const FORMAT_LINE = '# format: categories-v2';

const HEADER = `# dreamdb audit-rls expectations: relation, actor, operation, outcome (tab-separated, sorted).
${FORMAT_LINE}
# Written by \`dreamdb audit-rls --write-expectations\`; review changes to this file like code
# (docs/audit.md, "Expectations", explains every word). Outcomes are categories, never counts:
#   own / own+others / others / none / some   what a read shows (fixture rows of the actor, of other tenants)
#   allowed / none                             a write changed rows / changed nothing (RLS filtered it)
#   denied:privilege / denied:rls              refused by a grant / by a policy (42501)
#   blocked:fk|check|not-null|unique|trigger   refused by the schema's own rules
#   error:<class>                              any other SQLSTATE (its class), error:timeout
#   granted / not-granted                      a privilege no row probe shows (TRUNCATE, REFERENCES, TRIGGER)
# Actors: artist (every impersonated artist alike), anon, service_role ("other" for them is artist A).
# Partitions share one line (<parent>[partition]); each bucket has its own (storage.objects[bucket=x]).
`;

/** key (relation \t actor \t op) -> outcome text. Actors that disagree (two artists, two partitions) keep every outcome, joined by |. */
export function matrixLines(cells: Cell[]): Map<string, string> {
  const lines = new Map<string, Set<string>>();
  for (const cell of cells) {
    const key = `${cell.relation}\t${actorClass(cell.actor)}\t${cell.op}`;
    const set = lines.get(key) ?? new Set<string>();
    set.add(formatOutcome(cell.outcome));
    lines.set(key, set);
  }
  return new Map([...lines].map(([k, v]) => [k, [...v].sort().join('|')]));
}

export function formatExpectations(lines: Map<string, string>): string {
  const body = [...lines].map(([k, v]) => `${k}\t${v}`).sort();
  return `${HEADER}${body.join('\n')}\n`;
}

export function parseExpectations(text: string, file: string): Map<string, string> {
  const lines = new Map<string, string>();
  if (text.trim() && !text.includes(FORMAT_LINE)) {
    throw new DreamdbError(
      `${file} is in the old format (row counts, one line per artist), which changes with every partition and every year.`,
      {
        exitCode: ExitCode.usage,
        hint: 'Rewrite it in the category format: dreamdb audit-rls --write-expectations, review the diff, commit.',
      },
    );
  }
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const parts = line.split('\t');
    if (parts.length !== 4) {
      throw new DreamdbError(
        `${file}:${i + 1}: expected 4 tab-separated fields (relation, actor, operation, outcome), found ${parts.length}.`,
        {
          exitCode: ExitCode.usage,
          hint: 'Regenerate it with dreamdb audit-rls --write-expectations and review the diff.',
        },
      );
    }
    lines.set(parts.slice(0, 3).join('\t'), parts[3]!);
  });
  return lines;
}

export async function readExpectations(file: string): Promise<Map<string, string> | undefined> {
  try {
    return parseExpectations(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written whole, through a temporary file: never half a file. */
export async function writeExpectations(file: string, lines: Map<string, string>): Promise<void> {
  await writeFileAtomically(file, formatExpectations(lines));
}

export function diffExpectations(expected: Map<string, string>, actual: Map<string, string>, file: string): Finding[] {
  const findings: Finding[] = [];
  const unreviewed = new Map<string, string[]>();
  const stale = new Map<string, string[]>();
  const note = (map: Map<string, string[]>, relation: string, line: string) =>
    map.set(relation, [...(map.get(relation) ?? []), line]);
  const rerun = `If the change is intended, run dreamdb audit-rls --write-expectations and commit ${file} with the change.`;
  for (const [key, now] of actual) {
    const [relation, actor, op] = key.split('\t') as [string, string, string];
    const was = expected.get(key);
    if (was === now) continue;
    const base = { area: 'isolation' as const, object: relation, actor, operation: op, actual: now };
    if (was === undefined) {
      note(unreviewed, relation, `${actor} ${op}: ${now}`);
    } else if (isAllowed(was) && !isAllowed(now)) {
      findings.push({
        ...base,
        id: 'isolation.unexpected_deny',
        level: 'error',
        expected: was,
        message: `${actor} can no longer ${op} on ${relation} (expected ${was}, got ${now})`,
        hint: `A grant or policy the app needs is gone. ${rerun}`,
      });
    } else if (!isAllowed(was) && isAllowed(now)) {
      findings.push({
        ...base,
        id: 'isolation.unexpected_allow',
        level: 'error',
        expected: was,
        message: `${actor} can now ${op} on ${relation} (expected ${was}, got ${now})`,
        hint: `Revoke the privilege or tighten the policy. ${rerun}`,
      });
    } else {
      findings.push({
        ...base,
        id: 'isolation.changed',
        level: 'warn',
        expected: was,
        message: `${actor} ${op} on ${relation} changed from ${was} to ${now}`,
        hint: rerun,
      });
    }
  }
  for (const [key, was] of expected) {
    if (actual.has(key)) continue;
    const [relation, actor, op] = key.split('\t') as [string, string, string];
    note(stale, relation, `${actor} ${op}: ${was}`);
  }
  // New or vanished relations show as one finding each, not one per line.
  const known = new Set([...expected.keys()].map((k) => k.split('\t')[0]!));
  for (const [relation, lines] of unreviewed) {
    const isNew = !known.has(relation);
    const what = relation.startsWith('fn ') ? `function ${relation.slice(3)}` : relation;
    const columns = [...new Set(lines.map((l) => /(?:update|insert) own \+?(\S+):/.exec(l)?.[1]).filter(Boolean))];
    const writable = [
      ...new Set(lines.map((l) => /^artist (?:update|insert) own \+?(\S+): allowed$/.exec(l)?.[1]).filter(Boolean)),
    ];
    findings.push({
      area: 'isolation',
      id: 'expectations.unreviewed',
      level: 'warn',
      object: relation,
      expected: isNew ? '(not in the file)' : '(no such lines)',
      actual: `${lines.length} new line(s)`,
      message: isNew
        ? `${what} is new and not reviewed: ${lines.length} outcome(s) no one has signed off, e.g. ${lines.slice(0, 3).join('; ')}`
        : `${what} has ${lines.length} new outcome(s) not reviewed${columns.length ? ` (new columns or operations: ${columns.slice(0, 6).join(', ')})` : ''}, e.g. ${lines.slice(0, 3).join('; ')}`,
      hint: `Review the lines below (who may read and write ${what}).${writable.length ? ` A signed-in client may set ${writable.join(', ')} on its own rows: if any of them is the server's to set (a status, a price, points), add it to audit.columns.serverOwned ("${relation}.<column>") and revoke the client's privilege on it.` : ''} If they are what you intend, run dreamdb audit-rls --write-expectations, check that the diff of ${file} adds only these lines, and commit it with the migration. If not, fix the grants or policies and run the audit again.`,
      details: lines.slice(0, 40),
    });
  }
  for (const [relation, lines] of stale) {
    findings.push({
      area: 'isolation',
      id: 'expectations.stale',
      level: 'warn',
      object: relation,
      expected: `${lines.length} line(s)`,
      actual: '(not observed)',
      message: `${relation}: ${lines.length} expected outcome(s) no longer probed, e.g. ${lines.slice(0, 3).join('; ')}`,
      hint: rerun,
      details: lines.slice(0, 20),
    });
  }
  return findings;
}
