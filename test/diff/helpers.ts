/** A project directory for diff/drift/reset CLI tests: the shipped migrations, an embedded dir shared with the test run. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../src/db/connect.js';
import { createTestDatabase, serverUrl, urlFor, type TestDatabase } from '../helpers/db.js';

/** The embedded server the shadows run on: the test run's own cluster (started on demand on PG 15 runs). */
export const EMBEDDED_DIR = path.resolve('.dreamdb/test-cluster');

export async function projectDir(extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-diff-'));
  await fs.cp(path.resolve('sql/migrations'), path.join(dir, 'sql/migrations'), { recursive: true });
  await fs.writeFile(
    path.join(dir, 'dreamdb.config.json'),
    JSON.stringify({ embedded: { dir: EMBEDDED_DIR }, ...extra }),
  );
  return dir;
}

/** B: a copy of A made with CREATE DATABASE … TEMPLATE (A must have no open sessions). */
export async function copyOf(a: TestDatabase, prefix: string): Promise<TestDatabase> {
  await a.sql.end({ timeout: 5 });
  const copy = await createTestDatabase(prefix);
  await copy.sql.end({ timeout: 5 });
  const admin = connect(serverUrl());
  try {
    await admin.unsafe(`drop database "${copy.name}"`);
    await admin.unsafe(`create database "${copy.name}" template "${a.name}"`);
  } finally {
    await admin.end();
  }
  return { ...copy, sql: connect(urlFor(copy.name), { max: 4 }) };
}
