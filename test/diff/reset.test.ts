import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { projectDir } from './helpers.js';

let db: TestDatabase;
let project: string;
beforeAll(async () => {
  db = await migratedDatabase('reset');
  project = await projectDir();
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

describe('db reset', { timeout: 300_000 }, () => {
  it('refuses a non-embedded target without a terminal or --yes, and changes nothing', async () => {
    await db.sql`create table public.keep_me (id int)`;
    const r = await runCli(['--db', db.url, 'db', 'reset'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Refusing without a terminal');
    const [row] = await db.sql`select to_regclass('public.keep_me') is not null as kept`;
    expect(row!.kept).toBe(true);
  });

  it('refuses production even with --yes', async () => {
    const dir = await projectDir({ db: { label: 'production' } });
    const r = await runCli(['--db', db.url, 'db', 'reset', '--yes'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('labelled production');
    const [row] = await db.sql`select to_regclass('public.keep_me') is not null as kept`;
    expect(row!.kept).toBe(true);
  });

  it('drops and rebuilds to a version without seeding, then fully with the fixtures', async () => {
    await db.sql.end({ timeout: 5 });
    const versions = (await fs.readdir(path.join(project, 'sql/migrations'))).map((f) => f.slice(0, 14)).sort();
    const partial = await runCli(
      ['--db', db.url, 'db', 'reset', '--yes', '--to', versions[1]!, '--no-seed', '--json'],
      { cwd: project },
    );
    expect(partial.code, partial.stderr).toBe(0);
    expect(JSON.parse(partial.stdout).applied).toEqual(versions.slice(0, 2));
    const { connect } = await import('../../src/db/connect.js');
    const c = connect(db.url);
    try {
      const [gone] =
        await c`select to_regclass('public.keep_me') is null as gone, (select count(*)::int from public.artists) as artists`;
      expect(gone).toEqual({ gone: true, artists: 0 });
      const full = await runCli(['--db', db.url, 'db', 'reset', '--yes'], { cwd: project });
      expect(full.code, full.stderr).toBe(0);
      const [after] =
        await c`select (select count(*)::int from dreamdb.migrations) as migrations, (select count(*)::int from public.artists) as artists`;
      expect(after).toEqual({ migrations: versions.length, artists: 3 });
    } finally {
      await c.end();
    }
  });
});

describe('db reset on the embedded default', { timeout: 300_000 }, () => {
  it('resets without a question and seeds the fixtures', async () => {
    // Its own cluster: the test run's shared server's postgres database is in use by every test.
    const dir = path.resolve(`.dreamdb/reset-test-${process.pid}`);
    const proj = await projectDir({ embedded: { dir } });
    try {
      const first = await runCli(['migrate'], { cwd: proj });
      expect(first.code, first.stderr).toBe(0);
      const url = await runCli(['db', 'start'], { cwd: proj });
      expect(url.code, url.stderr).toBe(0);
      const { connect } = await import('../../src/db/connect.js');
      const embeddedUrl = (await runCli(['db', 'url'], { cwd: proj })).stdout.trim();
      const c = connect(embeddedUrl);
      try {
        await c`create table public.scratch_by_hand (id int)`;
        const r = await runCli(['db', 'reset', '--json'], { cwd: proj });
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout);
        expect(out.target).toContain('(embedded)');
        expect(out.seeded.fixtures.length).toBeGreaterThan(0);
        const [row] =
          await c`select to_regclass('public.scratch_by_hand') is null as gone, (select count(*)::int from public.artists) as artists`;
        expect(row).toEqual({ gone: true, artists: 3 });
      } finally {
        await c.end();
      }
    } finally {
      await runCli(['db', 'stop'], { cwd: proj });
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
