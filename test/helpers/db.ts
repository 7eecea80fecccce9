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

export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `dreamdb_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = connect(serverUrl());
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const sql = connect(url, { max: 4 });
  return {
    name,
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const admin2 = connect(serverUrl());
      try {
        await admin2.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin2.end();
      }
    },
  };
}

/**
 * A new database with the Supabase-compatible base and every migration in sql/migrations applied
 * through the real engine.
 */
export async function migratedDatabase(prefix = 'mig'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  const { migrateUrl } = await import('./migrate.js');
  await migrateUrl(db.url);
  return db;
}
