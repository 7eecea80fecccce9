/**
 * A migration file as the lint sees it: statements with their parse trees (libpg-query, the real
 * Postgres parser) and the suppression comments written on each.
 *
 * A suppression is a comment on the statement, or on the line right above it, naming the rule
 * and a reason: `-- dreamdb:allow index-not-concurrent the table is created empty in this release`.
 * Several rules: `-- dreamdb:allow truncate, lock-table <reason>`.
 */
import { parse } from 'libpg-query';
import { lineAndColumn } from '../db/sqlfile.js';
import type { PgNode } from '../typegen/expressions.js';
import type { LintFile, LintStatement, Location, ParsedFile, Suppression } from './model.js';

const ALLOW = /--\s*dreamdb:allow\b[ \t]*([^\n]*)/g;

export async function parseFile(file: LintFile, knownRules: ReadonlySet<string>): Promise<ParsedFile> {
  const bytes = Buffer.from(file.text, 'utf8');
  const ascii = bytes.length === file.text.length;
  const charAt = (byteOffset: number) => (ascii ? byteOffset : bytes.subarray(0, byteOffset).toString('utf8').length);
  const parsed: ParsedFile = { ...file, statements: [], badSuppressions: [], charAt };
  let tree: { stmts?: { stmt: PgNode; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = (await parse(file.text)) as typeof tree;
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    parsed.parseError = { message: (error as Error).message, offset: charAt(details?.cursorPosition ?? 0) };
    return parsed;
  }
  const spans: { stmt: PgNode; start: number; end: number; byteOffset: number }[] = [];
  for (const s of tree.stmts ?? []) {
    const startByte = s.stmt_location ?? 0;
    const endByte = s.stmt_len ? startByte + s.stmt_len : bytes.length;
    const rawStart = charAt(startByte);
    const end = charAt(endByte);
    const lead = leadingNoise(file.text, rawStart, end);
    if (lead >= end) continue;
    spans.push({ stmt: s.stmt, start: lead, end, byteOffset: Buffer.byteLength(file.text.slice(0, lead)) });
  }
  const loc = (offset: number): Location => ({ file: file.path, ...lineAndColumn(file.text, offset) });
  const suppressionsOf = new Map<number, Suppression[]>();
  for (const match of file.text.matchAll(ALLOW)) {
    const at = match.index;
    const owner = ownerOf(file.text, spans, at);
    const { rules, reason } = splitAllow(match[1] ?? '');
    const unknown = rules.filter((r) => !knownRules.has(r));
    if (owner === undefined) {
      parsed.badSuppressions.push({ location: loc(at), text: match[0], problem: 'is not on or above a statement' });
      continue;
    }
    if (!rules.length || unknown.length) {
      parsed.badSuppressions.push({
        location: loc(at),
        text: match[0],
        problem: rules.length ? `names no known rule (${unknown.join(', ')})` : 'names no rule',
      });
      continue;
    }
    if (!reason) {
      parsed.badSuppressions.push({
        location: loc(at),
        text: match[0],
        problem: 'gives no reason (write why the finding is acceptable after the rule id)',
      });
      continue;
    }
    const list = suppressionsOf.get(owner) ?? [];
    for (const rule of rules) list.push({ ...loc(at), rule, reason });
    suppressionsOf.set(owner, list);
  }
  spans.forEach((span, i) => {
    const kind = Object.keys(span.stmt)[0] ?? 'Statement';
    const statement: LintStatement = {
      node: span.stmt,
      kind,
      offset: span.start,
      end: span.end,
      byteOffset: span.byteOffset,
      text: file.text.slice(span.start, span.end),
      suppressions: suppressionsOf.get(i) ?? [],
    };
    parsed.statements.push(statement);
  });
  return parsed;
}

/** `rule-a, rule-b the reason` → rules and reason. */
function splitAllow(rest: string): { rules: string[]; reason: string } {
  const m = /^([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*[:\u2014-]*\s*(.*)$/.exec(rest.trim());
  if (!m) return { rules: [], reason: '' };
  return { rules: m[1]!.split(/\s*,\s*/), reason: m[2]!.trim() };
}

/**
 * Which statement a comment at `at` belongs to: a comment inside a statement, or after the
 * statement's end on the same line, belongs to it; otherwise the next statement.
 */
function ownerOf(text: string, spans: { start: number; end: number }[], at: number): number | undefined {
  for (let i = 0; i < spans.length; i += 1) {
    const s = spans[i]!;
    if (at >= s.start && at < s.end) return i;
    const lineEnd = text.indexOf('\n', s.end);
    if (at >= s.end && (lineEnd === -1 || at < lineEnd) && !text.slice(s.end, at).includes('\n')) return i;
  }
  const next = spans.findIndex((s) => s.start > at);
  return next === -1 ? undefined : next;
}

/** Offset of the first character after white space and comments, from `from`. */
function leadingNoise(text: string, from: number, limit: number): number {
  let i = from;
  while (i < limit) {
    if (/\s|;/.test(text[i]!)) i += 1;
    else if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? limit : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? limit : end + 2;
    } else break;
  }
  return i;
}

/** A qualified name from a RangeVar. Unqualified names resolve to public (the default search_path). */
export function relName(rangeVar: PgNode | undefined): string | undefined {
  if (!rangeVar?.relname) return undefined;
  return `${rangeVar.schemaname ?? 'public'}.${rangeVar.relname}`;
}

/** A qualified name from a list of String nodes (DROP's objects, function names). */
export function qualified(names: string[]): string | undefined {
  if (!names.length) return undefined;
  return names.length === 1 ? `public.${names[0]}` : `${names.at(-2)}.${names.at(-1)}`;
}
