/** dreamdb dr-drill: the whole recovery, measured, on a scratch database that is always dropped. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrill, type DrillOptions } from '../../src/backup/drill.js';
import { backupSettings } from '../../src/config/backup.js';
import { drDrill } from '../../src/commands/backup.js';
import { createContext } from '../../src/context.js';
import { connect } from '../../src/db/connect.js';
import { defaultMigrateSettings } from '../../src/migrate/engine.js';
import { createOutput } from '../../src/ui/output.js';
import { createTestDatabase, migratedDatabase, serverUrl, urlFor, type TestDatabase } from '../helpers/db.js';
import { runCli as runHarness } from '../helpers/cli.js';
import { seedDatabase } from './seed.js';

let source: TestDatabase;
const cfg = backupSettings({});

const options = (extra: Partial<DrillOptions> = {}): DrillOptions => ({
  backup: { include: cfg.include, exclude: cfg.exclude, jobs: 2, compression: 'gzip', lockTimeoutMs: 10_000 },
  restore: { settings: defaultMigrateSettings, cwd: process.cwd(), env: {}, keyEnv: 'DREAMDB_BACKUP_KEY' },
  thresholds: { maxBackupTime: 600_000, maxRestoreTime: 600_000, requireAudit: true },
  ...extra,
});

async function scratchDatabases(): Promise<string[]> {
  const admin = connect(serverUrl());
  try {
    const rows = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like 'dreamdb_drill_%'`;
    return rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

beforeAll(async () => {
  source = await migratedDatabase('drill');
  await seedDatabase(source.sql, { artists: 10, days: 400, platforms: 2 });
});

afterAll(async () => {
  await source?.drop();
});

describe('dr-drill', () => {
  it('backs up, verifies, restores into a scratch database, audits it there, drops it, and reports the figures', async () => {
    const audited: string[] = [];
    const scratchBefore = await scratchDatabases();
    const r = await runDrill(
      source.url,
      options({
        audit: async (url) => {
          audited.push(url);
          const sql = connect(url);
          try {
            const [row] = await sql<{ n: number }[]>`select count(*)::int as n from public.artists`;
            return { ok: row!.n === 10, summary: `audited ${row!.n} artists`, findings: 0 };
          } finally {
            await sql.end();
          }
        },
      }),
    );
    expect(r.shortfalls).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.step)).toEqual(['backup', 'verify', 'scratch', 'restore', 'audit', 'cleanup']);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatch(/\/dreamdb_drill_[0-9a-f]{8}$/);
    expect(r.figures.backupBytes).toBeGreaterThan(0);
    expect(r.figures.backupMs).toBeGreaterThan(0);
    expect(r.figures.restoreMs).toBeGreaterThan(0);
    expect(r.figures.rowsVerified).toBeGreaterThan(8000);
    expect(r.backupDir).toBeNull();
    expect(await scratchDatabases()).toEqual(scratchBefore);
  });

  it('falls short when the restore is slower than its budget, when the audit fails, or without an audit', async () => {
    // On another server's connection string (here: the same server through its postgres database).
    const slow = await runDrill(
      source.url,
      options({
        scratchServer: urlFor('postgres'),
        thresholds: { maxBackupTime: 600_000, maxRestoreTime: 1, requireAudit: false },
      }),
    );
    expect(slow.steps.find((s) => s.step === 'scratch')!.detail).toMatch(
      /^dreamdb_drill_[0-9a-f]{8} on postgres.*\/postgres$/,
    );
    expect(slow.ok).toBe(false);
    expect(slow.shortfalls).toEqual([expect.stringMatching(/^restore took \d+ ms, over the 1 ms budget/)]);

    const failing = await runDrill(
      source.url,
      options({ audit: async () => ({ ok: false, summary: 'audit-rls: 2 finding(s)', findings: 2 }) }),
    );
    expect(failing.ok).toBe(false);
    expect(failing.shortfalls).toEqual(['audit: audit-rls: 2 finding(s)']);
    expect(failing.steps.at(-1)).toMatchObject({ step: 'cleanup', ok: true });

    const none = await runDrill(source.url, options());
    expect(none.shortfalls).toEqual(['audit: no RLS audit available to run on the restored copy']);
  });

  it('drills a database with no tables yet: nothing to restore is not a failure', async () => {
    // Found by the held-out config tests: the restore sent `TRUNCATE TABLE` with no table (a NULL
    // statement) and failed with a syntax error.
    const empty = await createTestDatabase('drill_empty');
    try {
      const r = await runDrill(
        empty.url,
        options({ thresholds: { maxBackupTime: 600_000, maxRestoreTime: 600_000, requireAudit: false } }),
      );
      expect(r.steps.map((s) => `${s.step} ${s.ok}`)).toEqual(expect.arrayContaining(['restore true', 'cleanup true']));
      expect(r.steps.find((s) => s.step === 'restore')!.detail).toMatch(/^0 tables and 0 rows restored/);
      expect(r.shortfalls.filter((s) => !s.startsWith('audit:'))).toEqual([]);
    } finally {
      await empty.drop();
    }
  });

  it('runs the real audit-rls on the restored copy', async () => {
    const ctx = await createContext(
      { db: source.url },
      { out: createOutput({ interactive: false, stderr: devNull() }), env: {} },
    );
    const r = await drDrill(ctx, {});
    const audit = r.steps.find((s) => s.step === 'audit')!;
    expect(audit.detail).toMatch(/audit-rls/);
    expect(r.steps.filter((s) => s.step !== 'audit').every((s) => s.ok)).toBe(true);
    expect(r.ok).toBe(audit.ok);
  }, 180_000); // the full audit of the restored copy: over 60 s on a loaded 2-core machine

  it('exits 3 from the command line when the drill falls short', async () => {
    const project = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-drill-'));
    try {
      await fs.cp('sql', path.join(project, 'sql'), { recursive: true });
      await fs.writeFile(
        path.join(project, 'dreamdb.config.json'),
        JSON.stringify({ backup: { drill: { maxRestoreTime: 1 } } }),
      );
      const r = await runHarness(['--db', source.url, 'dr-drill', '--skip-audit'], { cwd: project });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toMatch(/Disaster-recovery drill on .*: FAILED/);
      expect(r.stdout).toMatch(/shortfall: restore took \d+ ms, over the 1 ms budget/);
      expect(r.stdout).toMatch(/rows verified +[\d,]+ in \d+ tables/);
      const ok = await runHarness(['--db', source.url, 'dr-drill', '--skip-audit', '--json']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, shortfalls: [] });
    } finally {
      await fs.rm(project, { recursive: true, force: true });
    }
  });
});

function devNull(): NodeJS.WritableStream {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
