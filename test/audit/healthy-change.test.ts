/**
 * Healthy change keeps the shipped schema clean against the committed expectations: the nightly
 * partition rotation, a database with 800 days of history, and a database rotated into the next
 * calendar year (partitions for it and the years after, rows in them). Expectations record
 * categories, not counts, and partitions are judged with their parent.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run.js';
import { failing } from '../../src/audit/report.js';
import { rotatePartitions } from '../../src/partitions/index.js';
import { connect } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { testConfig } from './helpers.js';

const expectationsFile = path.resolve('fixtures/audit/expectations.txt');
const year = new Date().getUTCFullYear();
const dbs: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(dbs.map((db) => db.drop()));
});

async function clean(db: TestDatabase): Promise<void> {
  const report = await runAudit(db.sql, testConfig(), { expectationsFile, skipLatency: true });
  expect(failing(report.findings).map((f) => `${f.id} ${f.object}: ${f.message}`)).toEqual([]);
  expect(report.isolation?.expectations.status).toBe('matched');
}

async function partitions(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql<
    { name: string }[]
  >`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'public.metrics'::regclass order by 1`;
  return rows.map((r) => r.name);
}

describe.concurrent('audit-rls stays green through healthy change', { timeout: 600_000 }, () => {
  it('after partitions rotate (more partitions ahead)', async () => {
    const db = await migratedDatabase('audit_rotated');
    dbs.push(db);
    const one = connect(db.url, { max: 1 });
    try {
      await rotatePartitions(one, { ahead: 4 });
    } finally {
      await one.end();
    }
    expect((await partitions(db)).length).toBeGreaterThanOrEqual(6);
    await clean(db);
  });

  it('with 800 days of history (older partitions, many rows per artist)', async () => {
    const db = await migratedDatabase('audit_history');
    dbs.push(db);
    const r = await runCli(['--db', db.url, 'seed', '--artists', '4', '--days', '800', '--no-fixtures', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await partitions(db)).toContain(`metrics_y${year - 2}`);
    await clean(db);
  });

  it('in the next calendar year (rotated as of next January, with rows there)', async () => {
    const db = await migratedDatabase('audit_next_year');
    dbs.push(db);
    const one = connect(db.url, { max: 1 });
    try {
      await rotatePartitions(one, { now: `${year + 1}-01-02`, ahead: 2 });
    } finally {
      await one.end();
    }
    await db.sql
      .unsafe(`insert into auth.users (id, email) values ('22222222-2222-2222-2222-222222222222', 'next@example.test');
      insert into public.artists (id, email, name) values ('22222222-2222-2222-2222-222222222222', 'next@example.test', 'Next');
      insert into public.metrics (artist_id, platform, metric_date) values ('22222222-2222-2222-2222-222222222222', 'spotify', '${year + 1}-01-02'), ('22222222-2222-2222-2222-222222222222', 'spotify', '${year + 3}-06-01')`);
    expect(await partitions(db)).toContain(`metrics_y${year + 3}`);
    await clean(db);
  });
});
