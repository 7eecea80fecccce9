/**
 * Quoting for the few statements that cannot take parameters (CREATE DATABASE, statements sent
 * with the simple protocol). Everything else passes values as parameters and identifiers through
 * postgres.js's sql(name) or format('%I').
 */

/** "name" with embedded quotes doubled: safe for any identifier, case kept. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** "schema"."name". */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** 'value' with embedded quotes doubled (standard_conforming_strings is on since PostgreSQL 9.1). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
