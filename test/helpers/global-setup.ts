/**
 * Once per run, before any test file:
 * - one PostgreSQL server: DREAMDB_TEST_DATABASE_URL when set (CI points it at the machine's
 *   PostgreSQL 15), else an embedded PostgreSQL 17 in .dreamdb/test-cluster. Every test file
 *   creates and drops its own databases on it;
 * - one migrated template database (a unique name: several runs may share one server), which
 *   migratedDatabase() clones with CREATE DATABASE ... TEMPLATE instead of migrating again;
 * - one compiled build of src/ (tsc, into a directory of this run), which runCli() spawns with
 *   plain node: never a stale build, and no TypeScript loader in every spawned CLI.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connect } from '../../src/db/connect.js';
import { acquire, embeddedPaths, type Lease } from '../../src/db/embedded.js';
import { migrateUrl } from './migrate.js';

/** A database-level setting of the template (ALTER DATABASE / ALTER ROLE ... IN DATABASE), which CREATE DATABASE does not copy. */
export interface TemplateSetting {
  role: string | null;
  name: string;
  value: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    serverKind: 'embedded' | 'external';
    templateDatabase: string;
    templateSettings: TemplateSetting[];
    /** The directory holding the run's compiled cli.js. */
    cliBuild: string;
  }
}

/** Build directories are direct children of the package root, so the compiled paths.ts finds sql/ as dist/ does. */
export const BUILD_PREFIX = '.test-build-';

let lease: Lease | undefined;
let serverUrl: string | undefined;
let template: string | undefined;
let build: string | undefined;

function withDatabase(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

async function compile(dir: string): Promise<void> {
  const tsc = path.resolve('node_modules/.bin/tsc');
  const output = await new Promise<{ code: number; text: string }>((resolve) => {
    execFile(
      tsc,
      ['-p', 'tsconfig.json', '--outDir', dir, '--sourceMap', 'false', '--pretty', 'false'],
      { timeout: 300_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          text: `${stdout}${stderr}`.trim(),
        }),
    );
  });
  // tsc emits in spite of type errors (npm run typecheck is the gate for those); a missing entry is fatal.
  await fs.access(path.join(dir, 'cli.js')).catch(() => {
    throw new Error(`test setup: tsc built no ${path.join(dir, 'cli.js')}\n${output.text}`);
  });
  if (output.code !== 0)
    console.warn(`test setup: tsc reported errors (the CLI tests run what it emitted):\n${output.text}`);
}

/** Removes build directories left by runs that were killed before their teardown (older than a day). */
async function sweepOldBuilds(): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const entry of await fs.readdir('.', { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(BUILD_PREFIX)) continue;
    const stat = await fs.stat(entry.name);
    if (stat.mtimeMs < dayAgo) await fs.rm(entry.name, { recursive: true, force: true });
  }
}

async function migrateTemplate(server: string, name: string): Promise<TemplateSetting[]> {
  const admin = connect(server, { max: 1 });
  try {
    await admin.unsafe(`create database "${name}"`);
    await migrateUrl(withDatabase(server, name));
    // Nobody may connect to the template again: a clone fails while anyone is connected to it.
    await admin.unsafe(`alter database "${name}" with allow_connections false`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
    const rows = await admin<{ role: string | null; config: string[] }[]>`
      select r.rolname as role, s.setconfig as config
      from pg_db_role_setting s
      join pg_database d on d.oid = s.setdatabase
      left join pg_roles r on r.oid = s.setrole
      where d.datname = ${name}
      order by 1 nulls first`;
    return rows.flatMap(({ role, config }) =>
      config.map((item) => {
        const at = item.indexOf('=');
        return { role, name: item.slice(0, at), value: item.slice(at + 1) };
      }),
    );
  } finally {
    await admin.end();
  }
}

/**
 * A run creates and drops a few hundred databases and roles. Where autovacuum is off (this
 * machine's PostgreSQL 15 has it off), the shared catalogs that records them only grow from run
 * to run; vacuuming them first keeps every run as fast as the first. Only as a superuser.
 */
async function vacuumSharedCatalogs(server: string): Promise<void> {
  const admin = connect(server, { max: 1 });
  try {
    const [me] = await admin<
      { superuser: boolean }[]
    >`select rolsuper as superuser from pg_roles where rolname = current_user`;
    if (me?.superuser)
      await admin.unsafe(
        'vacuum pg_catalog.pg_shdepend, pg_catalog.pg_database, pg_catalog.pg_authid, pg_catalog.pg_auth_members, pg_catalog.pg_db_role_setting',
      );
  } finally {
    await admin.end();
  }
}

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.DREAMDB_TEST_DATABASE_URL;
  if (external) {
    serverUrl = external;
  } else {
    lease = await acquire(embeddedPaths(path.resolve('.dreamdb/test-cluster')));
    serverUrl = lease.url;
  }
  project.provide('serverUrl', serverUrl);
  project.provide('serverKind', external ? 'external' : 'embedded');

  const tag = randomBytes(4).toString('hex');
  template = `dreamdb_tpl_${tag}`;
  build = path.resolve(`${BUILD_PREFIX}${tag}`);
  await sweepOldBuilds();
  await vacuumSharedCatalogs(serverUrl);
  const [settings] = await Promise.all([migrateTemplate(serverUrl, template), compile(build)]);
  project.provide('templateDatabase', template);
  project.provide('templateSettings', settings);
  project.provide('cliBuild', build);
}

export async function teardown(): Promise<void> {
  try {
    if (build) await fs.rm(build, { recursive: true, force: true });
    if (template && serverUrl) {
      const admin = connect(serverUrl, { max: 1 });
      try {
        await admin.unsafe(`drop database if exists "${template}" with (force)`);
      } finally {
        await admin.end();
      }
    }
  } finally {
    await lease?.release();
  }
}
