import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { rotatePartitions } from '../../src/partitions/index.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { projectDir } from './helpers.js';

let db: TestDatabase;
let project: string;
beforeAll(async () => {
  db = await migratedDatabase('drift');
  project = await projectDir();
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

const drift = (...extra: string[]) => runCli(['--db', db.url, 'status', '--drift', ...extra], { cwd: project });

describe('status --drift', { timeout: 300_000 }, () => {
  it('is quiet on a database that matches its migrations, and after a rotation', async () => {
    const clean = await drift();
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toBe('');
    expect(clean.stderr).toContain('No drift');

    const one = connect(db.url, { max: 1 });
    try {
      const y = new Date().getUTCFullYear();
      const r = await rotatePartitions(one, { now: new Date(Date.UTC(y, 5, 1)), ahead: 4 });
      expect(r.applied.length).toBeGreaterThan(0);
    } finally {
      await one.end();
    }
    const rotated = await drift('--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    const out = JSON.parse(rotated.stdout);
    expect(out.drifted).toBe(false);
    expect(out.ignoredPartitions.length).toBeGreaterThanOrEqual(2);
  });

  it('exits 3 naming each hand change, partitions that both sides have included', async () => {
    const y = new Date().getUTCFullYear();
    await db.sql.unsafe(`
      alter table public.artists add column hand_added text;
      create policy "hand policy" on public.insights for select to authenticated using (true);
      grant select (hand_added) on public.artists to anon;
      create index metrics_y${y}_hand_idx on public.metrics_y${y} (metric_date);
    `);
    const r = await drift();
    expect(r.code, r.stderr).toBe(3);
    for (const name of [
      'column:public.artists.hand_added',
      'policy:public.insights."hand policy"',
      'acl:(table:public.artists).anon.hand_added',
      `index:public.metrics_y${y}_hand_idx`,
    ]) {
      expect(r.stdout).toContain(name);
    }
    expect(r.stdout).toContain('ADD COLUMN "hand_added" text');
    const json = await drift('--json');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).drifted).toBe(true);
  });
});
