/** Other databases on the same server: their URLs, and CREATE / DROP DATABASE. */
import { validateUrl, withDb, type ConnectOptions, type Sql } from './connect.js';
import { quoteIdent } from './quote.js';

/** The same connection string pointing at another database (user, password, host and options kept). */
export function withDatabase(url: string, database: string): string {
  const u = validateUrl(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The database a connection string names (postgres when it names none). */
export function databaseOf(url: string): string {
  return decodeURIComponent(validateUrl(url).pathname.replace(/^\//, '')) || 'postgres';
}

/**
 * The maintenance database to run CREATE / DROP DATABASE from: postgres, or template1 when the
 * database to drop is postgres itself.
 */
export function maintenanceUrl(url: string, forDatabase = databaseOf(url)): string {
  return withDatabase(url, forDatabase === 'postgres' ? 'template1' : 'postgres');
}

export async function createDatabase(sql: Sql, name: string, options: { template?: string } = {}): Promise<void> {
  await sql.unsafe(
    `create database ${quoteIdent(name)}${options.template ? ` template ${quoteIdent(options.template)}` : ''}`,
  );
}

/** DROP DATABASE IF EXISTS; `force` ends the sessions still connected to it (PostgreSQL 13+). */
export async function dropDatabase(sql: Sql, name: string, options: { force?: boolean } = {}): Promise<void> {
  await sql.unsafe(`drop database if exists ${quoteIdent(name)}${options.force ? ' with (force)' : ''}`);
}

/** 3D000 no such database, 28000 / 42501 not allowed to connect to it. */
const CANNOT_ENTER = new Set(['3D000', '28000', '42501']);

/**
 * Runs fn on a maintenance database of the server (to CREATE / DROP DATABASE from): postgres, or
 * template1 when postgres is the one to leave alone or cannot be entered. Connection failures
 * are ConnectionErrors (exit 2), as in withDb.
 */
export async function withMaintenanceDb<T>(
  url: string,
  fn: (sql: Sql) => Promise<T>,
  options: ConnectOptions & { avoid?: string } = {},
): Promise<T> {
  const candidates = options.avoid === 'postgres' ? ['template1'] : ['postgres', 'template1'];
  for (const [i, database] of candidates.entries()) {
    let entered = false;
    try {
      return await withDb(
        withDatabase(url, database),
        (sql) => {
          entered = true;
          return fn(sql);
        },
        options,
      );
    } catch (error) {
      // Only a database that is missing or closed to us sends us to the next one.
      const code = ((error as Error).cause as { code?: string } | undefined)?.code;
      if (entered || i === candidates.length - 1 || !CANNOT_ENTER.has(code ?? '')) throw error;
    }
  }
  throw new Error('unreachable');
}
