/** The audit's SQL lives in sql/audit/: catalog queries, lints, latency queries, seeding. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sqlDir } from '../paths.js';

const auditDir = path.join(sqlDir, 'audit');
const cache = new Map<string, string>();

export function auditSql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(auditDir, name), 'utf8');
    cache.set(name, text);
  }
  return text;
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

/** A quoted literal for the few statements sent with the simple protocol (no parameters there). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A quoted identifier, `schema.name` split on the first dot. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}
