/**
 * Shared by the held-out configuration tests (test/config/heldout-keys-<n>.test.ts, one group of
 * keys each, so the workers share them): written from the documentation only (README.md
 * "Configuration", docs/*.md). Each test sets one key in a throwaway project directory, runs the
 * CLI as a user does, and checks an observable that the default would not give.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli, type CliResult } from '../helpers/cli.js';

export const REPO = path.resolve('.');
export const MIGRATIONS = path.join(REPO, 'sql/migrations');
export const SEED_FIXTURES = path.join(REPO, 'fixtures/seed');
export const EXPECTATIONS = path.join(REPO, 'fixtures/audit/expectations.txt');
export const Y = new Date().getUTCFullYear();
export const NOW = `${Y}-06-01`;

export const projects: string[] = [];
export const databases: TestDatabase[] = [];

/** A project root of its own (a `.git` stops the walk up), holding dreamdb.config.json. */
export async function project(config: unknown, files: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-heldout-'));
  projects.push(dir);
  await fs.mkdir(path.join(dir, '.git'));
  await fs.writeFile(path.join(dir, 'dreamdb.config.json'), JSON.stringify(config, null, 2));
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** The shipped migrations copied into `<dir>/<sub>`, plus extra files. */
export async function copyMigrations(dir: string, sub: string, extra: Record<string, string> = {}): Promise<string> {
  const target = path.join(dir, sub);
  await fs.mkdir(target, { recursive: true });
  for (const f of await fs.readdir(MIGRATIONS)) await fs.copyFile(path.join(MIGRATIONS, f), path.join(target, f));
  for (const [name, text] of Object.entries(extra)) await fs.writeFile(path.join(target, name), text);
  return target;
}

export async function freshDb(prefix: string): Promise<TestDatabase> {
  const db = await migratedDatabase(prefix);
  databases.push(db);
  return db;
}

export function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { cwd, env });
}

export function json<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr:\n${result.stderr}`);
  }
}

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = Date.now();
  const value = await fn();
  return [value, Date.now() - t];
}

/** Holds `lock table <table> in <mode> mode` in an open transaction while `fn` runs. */
export async function holdingLock<T>(db: TestDatabase, table: string, mode: string, fn: () => Promise<T>): Promise<T> {
  const conn = await db.sql.reserve();
  try {
    await conn`begin`;
    await conn.unsafe(`lock table ${table} in ${mode} mode`);
    return await fn();
  } finally {
    await conn`rollback`.catch(() => undefined);
    conn.release();
  }
}

export function doctorCheck(result: CliResult, id: string): any {
  const check = json(result).checks.find((c: any) => c.id === id);
  expect(check, `doctor has no check ${id}:\n${result.stdout}`).toBeTruthy();
  return check;
}

/** A database the read-only tests share: migrated, plus a schema the API roles can reach without RLS. */
export let shared: TestDatabase;

/** Each test file (one per group of keys) gets its own shared database and cleans up after itself. */
export function heldoutSetup(): void {
  beforeAll(async () => {
    shared = await freshDb('heldout_shared');
    await shared.sql.unsafe(`
    create schema heldout_api;
    create table heldout_api.open_t (id int primary key, label text);
    grant usage on schema heldout_api to anon, authenticated;
    grant select on heldout_api.open_t to anon, authenticated;
  `);
  });

  afterAll(async () => {
    for (const db of databases.splice(0)) await db.drop().catch(() => undefined);
    for (const dir of projects.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });
}
