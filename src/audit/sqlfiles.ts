/** The audit's SQL lives in sql/audit/: catalog queries, lints, latency queries, seeding. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { packagedSql } from '../db/queries.js';
import { sqlDir } from '../paths.js';

const auditDir = path.join(sqlDir, 'audit');

/** sql/audit/<name>, read once. */
export function auditSql(name: string): string {
  return packagedSql(`audit/${name}`);
}

/** A file's `-- key: value` header lines. */
export function sqlHeader(text: string): Record<string, string> {
  const header: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^--\s*([a-z]+):\s*(.*)$/.exec(line);
    if (match) header[match[1]!] = match[2]!.trim();
    else if (line.trim() && !line.startsWith('--')) break;
  }
  return header;
}

export function auditSqlFiles(folder: string): { name: string; text: string }[] {
  return readdirSync(path.join(auditDir, folder))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), text: auditSql(path.join(folder, f)) }));
}

/** Quoting for statements that cannot take parameters: the toolkit's (src/db/quote.ts). */
export { quoteLiteral as literal, quoteIdent as ident, quoteQualified as qualified } from '../db/quote.js';
