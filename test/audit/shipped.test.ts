/**
 * The shipped schema passes the whole audit with zero findings, its matrix matches the committed
 * expectations, and the audit leaves every table exactly as it found it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run.js';
import { failing } from '../../src/audit/report.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { tableFingerprint, testConfig } from './helpers.js';

let db: TestDatabase;
const expectationsFile = path.resolve('fixtures/audit/expectations.txt');

beforeAll(async () => {
  db = await migratedDatabase('audit_shipped');
  // Some data of the database's own, so "exactly as before" covers existing rows too.
  await db.sql.unsafe(`
    insert into auth.users (id, email) values ('11111111-1111-1111-1111-111111111111', 'owner@example.test');
    insert into public.artists (id, email, name, username) values ('11111111-1111-1111-1111-111111111111', 'owner@example.test', 'Owner', 'owner');
    insert into public.tasks (artist_id, title) values ('11111111-1111-1111-1111-111111111111', 'existing task');`);
});

afterAll(async () => {
  await db?.drop();
});

describe('audit-rls on the shipped schema', { timeout: 240_000 }, () => {
  it('finds nothing in any area, and leaves every table as it was', async () => {
    const before = await tableFingerprint(db.sql);
    const report = await runAudit(db.sql, testConfig(), { expectationsFile });
    const after = await tableFingerprint(db.sql);

    expect(failing(report.findings).map((f) => `${f.id} ${f.object}: ${f.message}`)).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(report.isolation?.expectations.status).toBe('matched');
    expect(report.isolation?.artists).toBe(3);
    expect(report.isolation?.probes).toBeGreaterThan(1000);
    expect(report.latency?.stats.map((s) => s.name).sort()).toEqual([
      'dashboard',
      'metric_series_30d',
      'pending_tasks',
      'recent_achievements',
      'unread_insights',
      'unread_notifications',
    ]);
    expect(report.latency?.seeded).toBeGreaterThan(0);
    expect(after).toEqual(before);
    expect(Object.keys(before)).toContain('public.metrics_y' + new Date().getUTCFullYear());
    expect(before['public.tasks']).toMatch(/^1 /);
  });

  it('proves the fixtures were really there: the matrix shows own rows and writes that succeeded', async () => {
    const report = await runAudit(db.sql, testConfig(), {
      expectationsFile,
      only: 'isolation',
      compareExpectations: false,
    });
    expect(report.isolation?.cells).toBeGreaterThan(1500);
    const fixture = await import('node:fs/promises').then((fs) => fs.readFile(expectationsFile, 'utf8'));
    expect(fixture).toMatch(/^public\.tasks\tartist\tselect\town$/m);
    expect(fixture).toMatch(/^public\.tasks\tartist\tupdate own title\tallowed$/m);
    expect(fixture).toMatch(/^public\.tasks\tartist\tupdate other title\tnone$/m);
    expect(fixture).toMatch(/^public\.tasks\tartist\tinsert other\tdenied:rls$/m);
    expect(fixture).toMatch(/^public\.metrics\[partition\]\tartist\tselect\tdenied:privilege$/m);
  });

  it('shows a new bucket as unreviewed lines of the matrix, one finding per relation', async () => {
    await db.sql`insert into storage.buckets (id, name, public) values ('covers', 'covers', false)`;
    try {
      const report = await runAudit(db.sql, testConfig(), { expectationsFile, only: 'isolation' });
      expect(report.findings.map((f) => `${f.id} ${f.object}`)).toContain(
        'expectations.unreviewed storage.objects[bucket=covers]',
      );
      expect(report.findings.filter((f) => f.id === 'expectations.unreviewed')).toHaveLength(1);
    } finally {
      await db.sql`delete from storage.buckets where id = 'covers'`;
    }
  });

  it('reports a change of access against the expectations file (both directions)', async () => {
    await db.sql.unsafe(
      `grant update (email) on public.artists to authenticated; revoke update (bio) on public.artists from authenticated`,
    );
    try {
      const report = await runAudit(db.sql, testConfig(), { expectationsFile, only: 'isolation' });
      const ids = report.findings.map((f) => `${f.id} ${f.object} ${f.actor} ${f.operation}`);
      expect(ids).toContain('isolation.unexpected_allow public.artists artist update own email');
      expect(
        report.findings.some(
          (f) =>
            f.id === 'isolation.protected_column_writable' && f.object === 'public.artists' && /email/.test(f.message),
        ),
      ).toBe(true);
      expect(ids).toContain('isolation.unexpected_deny public.artists artist update own bio');
      expect(report.exitCode).toBe(3);
    } finally {
      await db.sql.unsafe(
        `revoke update (email) on public.artists from authenticated; grant update (bio) on public.artists to authenticated`,
      );
    }
  });
});
