/** Throwaway databases for tests, on the run's server (see global-setup.ts). */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';

export interface TestDatabase {
  name: string;
  url: string;
  /** A small pool on the database, connected as the server's superuser. */
  sql: Sql;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  return inject('serverUrl');
}

export function urlFor(database: string, base = serverUrl()): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

function uniqueName(prefix: string): string {
  return `dreamdb_${prefix
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase()
    .slice(0, 40)}_${randomBytes(4).toString('hex')}`;
}

async function asAdmin<T>(fn: (admin: Sql) => Promise<T>): Promise<T> {
  const admin = connect(serverUrl(), { max: 1 });
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

function opened(name: string): TestDatabase {
  const url = urlFor(name);
  const sql = connect(url, { max: 4 });
  return {
    name,
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      await asAdmin((admin) => admin.unsafe(`drop database if exists "${name}" with (force)`));
    },
  };
}

/** An empty database (no base, no migrations): for the tests of migrate itself. */
export async function createTestDatabase(
  prefix = 'test',
  options: { strategy?: 'file_copy' | 'wal_log' } = {},
): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const strategy = options.strategy ? ` strategy ${options.strategy}` : '';
  await asAdmin((admin) => admin.unsafe(`create database "${name}"${strategy}`));
  return opened(name);
}

const BUSY = '55006'; // object_in_use: "source database ... is being accessed by other users"

/**
 * A new database with the Supabase-compatible base and every migration in sql/migrations applied
 * through the real engine: a clone of the run's migrated template (global-setup.ts), so the same
 * ledger rows, schema, publications and grants, without migrating again. Roles are cluster-wide
 * and already there. The database-level settings the base makes (ALTER DATABASE ... SET
 * search_path) are not copied by CREATE DATABASE: they are set again here, as migrate set them.
 * Tests of migrate itself use createTestDatabase() and migrate it.
 */
export async function migratedDatabase(prefix = 'mig'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const template = inject('templateDatabase');
  await asAdmin(async (admin) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await admin.unsafe(`create database "${name}" template "${template}"`);
        break;
      } catch (error) {
        // The template refuses connections; a clone may still meet a backend that is just leaving.
        if ((error as { code?: string }).code !== BUSY || attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const s of inject('templateSettings')) {
      // set_config parses the value as the server stored it; FROM CURRENT copies it exactly.
      await admin`select set_config(${s.name}, ${s.value}, false)`;
      await admin.unsafe(
        s.role === null
          ? `alter database "${name}" set "${s.name}" from current`
          : `alter role "${s.role}" in database "${name}" set "${s.name}" from current`,
      );
    }
  });
  return opened(name);
}
