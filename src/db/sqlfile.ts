/**
 * Splitting SQL files into statements with the real Postgres parser (libpg-query), and pointing
 * errors at file:line:col with a caret.
 */
import { parse } from 'libpg-query';
import { DreamdbError } from '../errors.js';
import type { PgErrorFields } from './pg-errors.js';

export interface Statement {
  /** The statement's text, as in the file. */
  text: string;
  /** Character offset of the statement's first character in the file. */
  offset: number;
  /** First keyword-ish summary for progress and the Supabase ledger. */
  kind: string;
  /** Set for CREATE INDEX CONCURRENTLY: the index it builds. */
  concurrentIndex?: { schema: string | null; name: string };
  /** The parse tree node (libpg-query's JSON), for checks such as findTransactionControl. */
  node?: Record<string, unknown>;
}

interface ParsedStmt {
  stmt: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/** The file split into statements, or undefined when the parser rejects it (the server will say why). */
export async function splitStatements(text: string): Promise<Statement[] | undefined> {
  let parsed: { stmts?: ParsedStmt[] };
  try {
    parsed = (await parse(text)) as { stmts?: ParsedStmt[] };
  } catch {
    return undefined;
  }
  // libpg-query reports byte offsets; JavaScript strings index UTF-16 units.
  const bytes = Buffer.from(text, 'utf8');
  const toChar = (byteOffset: number) => bytes.subarray(0, byteOffset).toString('utf8').length;
  const out: Statement[] = [];
  for (const s of parsed.stmts ?? []) {
    const startByte = s.stmt_location ?? 0;
    const endByte = s.stmt_len ? startByte + s.stmt_len : bytes.length;
    const start = toChar(startByte);
    const raw = bytes.subarray(startByte, endByte).toString('utf8');
    const lead = leadingNoise(raw);
    const body = raw.slice(lead).trim();
    if (!body) continue;
    const kind = Object.keys(s.stmt)[0] ?? 'Statement';
    const statement: Statement = { text: body, offset: start + lead, kind, node: s.stmt };
    const index = s.stmt.IndexStmt as
      { concurrent?: boolean; idxname?: string; relation?: { schemaname?: string } } | undefined;
    if (index?.concurrent && index.idxname) {
      statement.concurrentIndex = { schema: index.relation?.schemaname ?? null, name: index.idxname };
    }
    out.push(statement);
  }
  return out;
}

/** Length of leading white space and comments. */
function leadingNoise(text: string): number {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) i += 1;
    else if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else break;
  }
  return i;
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

// Re-exported for the modules that import them from here; they live in pg-errors.ts.
export { isPgError, type PgErrorFields } from './pg-errors.js';

/**
 * A Postgres error from a statement of a file, as `file:line:col`, the line, a caret, and the
 * code, detail and hint.
 */
export function fileError(
  file: { path: string; text: string },
  statementOffset: number,
  error: PgErrorFields,
  prefix = 'Migration failed',
): DreamdbError {
  const position = error.position ? Number(error.position) - 1 : 0;
  const offset = statementOffset + (Number.isFinite(position) ? position : 0);
  const { line, column } = lineAndColumn(file.text, offset);
  const sourceLine = file.text.split('\n')[line - 1] ?? '';
  const details = [
    `  ${line} | ${sourceLine}`,
    `  ${' '.repeat(String(line).length)} | ${' '.repeat(Math.max(0, column - 1))}^`,
  ];
  if (error.detail) details.push(`DETAIL: ${error.detail}`);
  if (error.where) details.push(`CONTEXT: ${error.where.split('\n')[0]}`);
  return new DreamdbError(
    `${prefix}: ${file.path}:${line}:${column}: ERROR ${error.code ?? ''}: ${error.message}`.replace(' :', ':'),
    {
      details,
      hint: error.hint ?? 'Fix the statement and run the command again; the file was rolled back.',
      cause: error,
    },
  );
}
