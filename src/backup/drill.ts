/**
 * The disaster-recovery drill: back up, verify the files, restore into a scratch database on the
 * same server, prove the copy identical (restore compares every table with the manifest), audit
 * its row level security, drop it, and report what a recovery plan needs: backup size, backup
 * time, restore time, rows verified. Anything short of that, or slower than the configured RPO/RTO
 * budgets, fails the drill.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AuditConfig } from '../config/audit.js';
import { withDb, type Sql } from '../db/connect.js';
import { dropDatabase, withDatabase } from '../db/databases.js';
import { SqlState, sqlStateOf } from '../db/pg-errors.js';
import { DreamdbError } from '../errors.js';
import { redactUrl } from '../db/redact.js';
import { createBackup, type BackupOptions, type BackupProgress } from './create.js';
import { describeTables, tableCounts } from './manifest.js';
import { checkContents, checkFiles, openBackup } from './read.js';
import { backupSize, restoreBackup, type RestoreOptions, type RestoreProgress, type RestoreResult } from './restore.js';

/** The audit run on the restored copy. Returns ok=false with a summary when it finds problems. */
export type AuditStep = (
  url: string,
  onProgress?: (text: string) => void,
) => Promise<{ ok: boolean; summary: string; findings: number }>;

/**
 * The drill's own audit step: the RLS audit (src/audit) on the restored copy. The audit is loaded
 * when the step runs, so a drill still reports its other figures where it cannot load.
 */
export function rlsAuditStep(settings: { config: AuditConfig; expectationsFile: string }): AuditStep {
  return async (url, onProgress) => {
    const { auditDatabase } = await import('../audit/database.js');
    const report = await auditDatabase(url, { ...settings, onProgress });
    const bad = report.findings.filter((f) => f.level !== 'info');
    return {
      ok: report.ok,
      findings: bad.length,
      summary: report.ok
        ? `audit-rls clean (${report.areas.join(', ')})`
        : `audit-rls: ${bad.length} finding(s), e.g. ${bad[0]?.id ?? '?'}`,
    };
  };
}

export interface DrillOptions {
  backup: Omit<BackupOptions, 'outDir' | 'onProgress' | 'name'>;
  /** Keep the backup here; default: a temporary directory removed after the drill. */
  outDir?: string;
  /**
   * A connection string to the server the scratch database is created on (any database there);
   * default: the source's server. Point it at a staging server to keep the drill's load off
   * production.
   */
  scratchServer?: string;
  restore: Omit<RestoreOptions, 'force' | 'confirm' | 'onProgress'>;
  /** undefined: no audit step (reported as a shortfall when thresholds.requireAudit). */
  audit?: AuditStep;
  thresholds: { maxBackupTime: number; maxRestoreTime: number; requireAudit: boolean };
  onStep?: (text: string) => void;
}

export type DrillStepName = 'backup' | 'verify' | 'scratch' | 'restore' | 'audit' | 'cleanup';

export interface DrillStep {
  step: DrillStepName;
  ok: boolean;
  durationMs: number;
  detail: string;
}

export interface DrillResult {
  ok: boolean;
  steps: DrillStep[];
  figures: {
    backupBytes: number;
    backupMs: number;
    verifyMs: number;
    restoreMs: number;
    tablesVerified: number;
    rowsVerified: number;
    auditMs: number | null;
  };
  restore: RestoreResult | null;
  backupDir: string | null;
  shortfalls: string[];
}

export async function runDrill(url: string, options: DrillOptions): Promise<DrillResult> {
  const say = options.onStep ?? (() => {});
  const steps: DrillStep[] = [];
  const shortfalls: string[] = [];
  const figures: DrillResult['figures'] = {
    backupBytes: 0,
    backupMs: 0,
    verifyMs: 0,
    restoreMs: 0,
    tablesVerified: 0,
    rowsVerified: 0,
    auditMs: null,
  };
  const result: DrillResult = { ok: false, steps, figures, restore: null, backupDir: null, shortfalls };
  const outDir = options.outDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-drill-')));
  const scratch = `dreamdb_drill_${randomBytes(4).toString('hex')}`;
  const server = options.scratchServer ?? url;
  const scratchUrl = withDatabase(server, scratch);
  let created = false;

  const step = async <T>(
    name: DrillStepName,
    fn: () => Promise<{ value: T; detail: string; ok?: boolean }>,
  ): Promise<T | undefined> => {
    const started = performance.now();
    try {
      const { value, detail, ok = true } = await fn();
      steps.push({ step: name, ok, durationMs: Math.round(performance.now() - started), detail });
      if (!ok) shortfalls.push(`${name}: ${detail}`);
      return value;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      steps.push({ step: name, ok: false, durationMs: Math.round(performance.now() - started), detail });
      shortfalls.push(`${name}: ${detail}`);
      return undefined;
    }
  };

  // On the scratch database's server; withDb makes a failure to reach it the one-line exit 2.
  const drill = async (admin: Sql): Promise<DrillResult> => {
    try {
      say('backing up');
      const backup = await step('backup', async () => {
        const b = await createBackup(url, {
          ...options.backup,
          outDir,
          onProgress: (e: BackupProgress) => e.type === 'table' && say(`backup: ${e.done}/${e.total} tables`),
        });
        figures.backupMs = b.durationMs;
        figures.backupBytes = await backupSize(b.dir);
        result.backupDir = b.dir;
        return {
          value: b,
          detail: `${describeTables(tableCounts(b.manifest))}, ${b.manifest.totals.rows} rows of data in ${b.dir}`,
        };
      });
      if (!backup) return finish();

      say('verifying the backup files');
      const verified = await step('verify', async () => {
        const started = performance.now();
        const opened = await openBackup(backup.dir, { env: options.restore.env, keyEnv: options.restore.keyEnv });
        const problems = [...(await checkFiles(opened)), ...(await checkContents(opened))];
        figures.verifyMs = Math.round(performance.now() - started);
        return {
          value: problems.length === 0,
          ok: problems.length === 0,
          detail: problems.length
            ? problems.map((p) => `${p.file}: ${p.problem}`).join('; ')
            : `${describeTables(tableCounts(backup.manifest))}: ${backup.manifest.tables.length} files match the manifest`,
        };
      });
      if (!verified) return finish();

      say(`creating the scratch database ${scratch}`);
      const made = await step('scratch', async () => {
        await createScratch(admin, scratch);
        created = true;
        return { value: true, detail: `${scratch} on ${redactUrl(server)}` };
      });
      if (!made) return finish();

      say('restoring into the scratch database');
      const restored = await step('restore', async () => {
        const r = await restoreBackup(backup.dir, scratchUrl, {
          ...options.restore,
          onProgress: (e: RestoreProgress) => {
            if (e.type === 'phase') say(`restore: ${e.phase}`);
          },
        });
        figures.restoreMs = r.timings.totalMs;
        figures.tablesVerified = r.tables;
        figures.rowsVerified = r.rows;
        result.restore = r;
        return { value: r, detail: `${r.tables} tables and ${r.rows} rows restored and identical to the backup` };
      });
      if (!restored) return finish();

      if (options.audit) {
        say('auditing row level security on the restored copy');
        await step('audit', async () => {
          const started = performance.now();
          const a = await options.audit!(scratchUrl, (text) => say(`audit: ${text}`));
          figures.auditMs = Math.round(performance.now() - started);
          return { value: a, ok: a.ok, detail: a.summary };
        });
      } else if (options.thresholds.requireAudit) {
        steps.push({
          step: 'audit',
          ok: false,
          durationMs: 0,
          detail: 'no RLS audit available to run on the restored copy',
        });
        shortfalls.push('audit: no RLS audit available to run on the restored copy');
      }
      return finish();
    } finally {
      if (created) {
        const started = performance.now();
        try {
          await dropScratch(admin, scratch);
          steps.push({
            step: 'cleanup',
            ok: true,
            durationMs: Math.round(performance.now() - started),
            detail: `dropped ${scratch}`,
          });
        } catch (error) {
          const detail = `could not drop ${scratch}: ${(error as Error).message}`;
          steps.push({ step: 'cleanup', ok: false, durationMs: Math.round(performance.now() - started), detail });
          shortfalls.push(`cleanup: ${detail}`);
          result.ok = false;
        }
      }
    }
  };

  try {
    return await withDb(server, drill, { max: 1, connection: { application_name: 'dreamdb dr-drill' } });
  } finally {
    if (!options.outDir) {
      await fs.rm(outDir, { recursive: true, force: true });
      result.backupDir = null;
    }
  }

  function finish(): DrillResult {
    if (figures.backupMs > options.thresholds.maxBackupTime)
      shortfalls.push(
        `backup took ${figures.backupMs} ms, over the ${options.thresholds.maxBackupTime} ms budget (backup.drill.maxBackupTime)`,
      );
    if (figures.restoreMs > options.thresholds.maxRestoreTime)
      shortfalls.push(
        `restore took ${figures.restoreMs} ms, over the ${options.thresholds.maxRestoreTime} ms budget (backup.drill.maxRestoreTime)`,
      );
    result.ok = shortfalls.length === 0;
    return result;
  }
}

async function createScratch(admin: Sql, name: string): Promise<void> {
  const [stmt] = await admin<{ text: string }[]>`
    select format('create database %I template template0 encoding %L', ${name}::text, pg_encoding_to_char(d.encoding)) as text
      from pg_catalog.pg_database d where d.datname = current_database()`;
  try {
    await admin.unsafe(stmt!.text);
  } catch (error) {
    if (sqlStateOf(error) === SqlState.insufficientPrivilege) {
      throw new DreamdbError(`The drill cannot create its scratch database: ${(error as Error).message}.`, {
        hint: 'Run the drill as a role with CREATEDB (postgres on Supabase has it).',
        cause: error,
      });
    }
    throw error;
  }
}

async function dropScratch(admin: Sql, name: string): Promise<void> {
  await dropDatabase(admin, name, { force: true });
}
