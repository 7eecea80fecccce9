/**
 * `dreamdb backup`, `dreamdb backup verify`, `dreamdb restore` and `dreamdb dr-drill`: logical
 * backups that work without pg_dump, checked against their manifest, restored into an empty
 * database and proven identical, and a drill that does all of it on a schedule.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { BackupConfig } from '../config/backup.js';
import type { Context } from '../context.js';
import { CancelledError, ExitCode } from '../errors.js';
import type { BackupProgress } from '../backup/create.js';
import type { AuditStep, DrillResult } from '../backup/drill.js';
import type { Manifest } from '../backup/manifest.js';
import type { RestoreProgress, RestoreResult } from '../backup/restore.js';
import { describeTables, formatBytes, tableCounts } from '../backup/scope.js';
import { formatDuration } from '../config/units.js';
import type { VerifyResult } from '../backup/verify.js';
import { wholeNumberFlag } from '../ui/flags.js';
import { style } from '../ui/output.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

export type { VerifyResult } from '../backup/verify.js';

export interface BackupCommandOptions {
  /** Directory the backup directory is created in (default backup.dir, "backups"). */
  out?: string;
  encrypt?: boolean;
  format?: 'dreamdb' | 'pg_dump';
  jobs?: number;
}

export interface BackupCommandResult {
  dir: string;
  manifest: Manifest;
  durationMs: number;
  sizeBytes: number;
  target: string;
}

/** A path as the user would type it: relative when under the working directory. */
function shown(ctx: Context, p: string): string {
  const rel = path.relative(ctx.cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

// The backup area (manifest and config schemas in zod, the driver, crypto and compression
// streams) is imported by each function below when a backup command runs, not for --help.

async function settings(ctx: Context): Promise<BackupConfig> {
  const { backupSettings } = await import('../config/backup.js');
  return backupSettings(ctx.config.backup);
}

export async function backup(ctx: Context, options: BackupCommandOptions = {}): Promise<BackupCommandResult> {
  const { withTarget } = await import('../context.js');
  const { backupSettingsFrom, createBackup } = await import('../backup/create.js');
  const { backupSize } = await import('../backup/restore.js');
  const cfg = await settings(ctx);
  const outDir = path.resolve(ctx.cwd, options.out ?? cfg.dir);
  return withTarget(ctx, async (target) => {
    const result = await ctx.out.task(`Backing up ${target.display}`, (progress) =>
      createBackup(target.url, {
        ...backupSettingsFrom(cfg, options.encrypt ? ctx.env : undefined),
        outDir,
        jobs: options.jobs ?? cfg.jobs,
        format: options.format ?? 'dreamdb',
        env: ctx.env,
        onProgress: (event) => reportBackup(ctx, progress.update, event),
      }),
    );
    return { ...result, sizeBytes: await backupSize(result.dir), target: target.display };
  });
}

function reportBackup(ctx: Context, update: (text: string) => void, event: BackupProgress): void {
  switch (event.type) {
    case 'snapshot':
      update(`snapshot taken: ${event.tables} tables, about ${formatBytes(event.bytesEstimate)} on the server`);
      break;
    case 'copying':
      update(`${event.table}: ${event.rows.toLocaleString('en-US')} rows so far`);
      break;
    case 'table':
      update(
        `${event.done}/${event.total} tables (${event.table}: ${event.rows.toLocaleString('en-US')} rows, ${formatBytes(event.bytes)})`,
      );
      break;
    case 'leftover':
      ctx.out.warn(
        `left by interrupted runs (never complete backups; remove them when no backup is running): ${event.dirs.join(', ')}`,
      );
      break;
  }
}

/** keyEnv: backup.keyEnv of the config, named when the backup is encrypted. */
export function renderBackup(ctx: Context, r: BackupCommandResult, keyEnv: string): string[] {
  const m = r.manifest;
  const rel = shown(ctx, r.dir);
  return [
    `${style.green('Backup complete:')} ${rel}`,
    `  ${describeTables(tableCounts(m))}, ${m.totals.rows.toLocaleString('en-US')} rows of data, ${formatBytes(r.sizeBytes)} on disk${m.totals.contentBytes ? ` (${formatBytes(m.totals.contentBytes)} of data)` : ''}, in ${formatDuration(r.durationMs)}`,
    `  schema version ${m.schemaVersion ?? '(none: the database was not migrated)'}, PostgreSQL ${m.source.serverVersion}, ${m.kind === 'pg_dump' ? `pg_dump archive (${m.archive?.pgDump})` : 'dreamdb format'}`,
    m.encryption
      ? `  encrypted (AES-256-GCM, key from ${keyEnv}): keep the key, without it this backup cannot be read`
      : `  ${style.yellow('not encrypted')}: it holds personal data and encrypted tokens; store it accordingly (or use --encrypt)`,
    `Check it any time with \`dreamdb backup verify ${rel}\`.`,
  ];
}

export async function verifyBackup(
  ctx: Context,
  dir: string,
  options: { quick?: boolean } = {},
): Promise<VerifyResult> {
  const { verifyBackup: checkBackup } = await import('../backup/verify.js');
  const full = path.resolve(ctx.cwd, dir);
  const { keyEnv } = await settings(ctx);
  return ctx.out.task(`Verifying ${dir}`, (progress) =>
    checkBackup(full, {
      env: ctx.env,
      keyEnv,
      quick: options.quick,
      onProgress: progress.update,
    }),
  );
}

export function renderVerify(ctx: Context, r: VerifyResult): string[] {
  const rel = shown(ctx, r.dir);
  const lines: string[] = [];
  if (r.ok) {
    lines.push(
      `${style.green('OK')} ${rel}: ${describeTables(r.tables)}; ${r.files} file(s) match the manifest${r.depth === 'full' ? `, and their contents (${r.rows.toLocaleString('en-US')} rows of data) read back with the recorded checksums${r.encrypted ? ' after authenticated decryption' : ''}` : ' (sha256)'}.`,
    );
  } else {
    lines.push(`${style.red('DAMAGED')} ${rel}: ${r.problems.length} problem(s); do not restore it.`);
    for (const p of r.problems) lines.push(`  ${p.file} (${p.table}): ${p.problem}`);
  }
  lines.push(
    `  taken ${r.createdAt}, schema version ${r.schemaVersion ?? '(none)'}, ${r.kind} format${r.encrypted ? ', encrypted' : ''}`,
  );
  for (const n of r.notes) lines.push(`  ${style.yellow('note:')} ${n}`);
  return lines;
}

export interface RestoreCommandResult extends RestoreResult {
  target: string;
}

export async function restore(
  ctx: Context,
  dir: string,
  options: { force?: boolean } = {},
): Promise<RestoreCommandResult> {
  const { confirmProduction, migrateSettings, withTarget } = await import('../context.js');
  const { restoreBackup } = await import('../backup/restore.js');
  const cfg = await settings(ctx);
  const full = path.resolve(ctx.cwd, dir);
  return withTarget(ctx, async (target) => {
    if (!(await confirmProduction(ctx, target, `Restore ${dir}`)))
      throw new CancelledError('Not confirmed; nothing was restored.');
    const database = new URL(target.url).pathname.replace(/^\//, '') || 'postgres';
    const result = await ctx.out.task(`Restoring ${dir} into ${target.display}`, (progress) =>
      restoreBackup(full, target.url, {
        settings: migrateSettings(ctx),
        cwd: ctx.cwd,
        env: ctx.env,
        keyEnv: cfg.keyEnv,
        force: options.force,
        confirm: async (what) =>
          ctx.flags.yes ||
          (await ctx.out.confirmTyped(`${what}: its rows will be replaced by the backup's.`, database)),
        onProgress: (event) => reportRestore(progress.update, event),
      }),
    );
    return { ...result, target: target.display };
  });
}

function reportRestore(update: (text: string) => void, event: RestoreProgress): void {
  if (event.type === 'phase') {
    update(
      {
        verify: 'checking the backup files',
        migrate: "migrating to the backup's schema version",
        load: 'loading rows (one transaction)',
        index: 'building indexes',
        check: 'comparing every restored table with the backup',
        analyze: 'ANALYZE',
      }[event.phase],
    );
  } else {
    update(
      `${event.phase === 'load' ? 'loaded' : 'checked'} ${event.done}/${event.total}: ${event.table} (${event.rows.toLocaleString('en-US')} rows)`,
    );
  }
}

export function renderRestore(r: RestoreCommandResult): string[] {
  const t = r.timings;
  const lines = [
    `${style.green('Restored')} into ${r.target}: ${r.tables} data tables, ${r.rows.toLocaleString('en-US')} rows, identical to the backup (row counts and sha256 of every table).`,
    `  schema version ${r.schemaVersion ?? '(none)'}; ${formatDuration(t.totalMs)} in all: verify ${formatDuration(t.verifyMs)}, migrate ${formatDuration(t.migrateMs)}, load ${formatDuration(t.loadMs)}, compare ${formatDuration(t.checkMs)}, analyze ${formatDuration(t.analyzeMs)}`,
  ];
  if (r.replaced) lines.push(`  ${style.yellow("the target's previous rows were replaced")}`);
  for (const w of r.warnings) lines.push(`  ${style.yellow('warning:')} ${w}`);
  return lines;
}

export interface DrillCommandOptions {
  out?: string;
  /** Server for the scratch database (a connection string); default: the target's server. */
  scratchServer?: string;
  encrypt?: boolean;
  skipAudit?: boolean;
  /** Replaces the RLS audit step (tests). */
  audit?: AuditStep;
}

export async function drDrill(
  ctx: Context,
  options: DrillCommandOptions = {},
): Promise<DrillResult & { target: string }> {
  const { migrateSettings, withTarget } = await import('../context.js');
  const { backupSettingsFrom } = await import('../backup/create.js');
  const { runDrill } = await import('../backup/drill.js');
  const cfg = await settings(ctx);
  return withTarget(ctx, async (target) => {
    const audit = options.skipAudit ? undefined : (options.audit ?? (await drillAudit(ctx)));
    const result = await ctx.out.task(`Disaster-recovery drill on ${target.display}`, (progress) =>
      runDrill(target.url, {
        backup: backupSettingsFrom(cfg, options.encrypt ? ctx.env : undefined),
        outDir: options.out ? path.resolve(ctx.cwd, options.out) : undefined,
        scratchServer: options.scratchServer,
        restore: { settings: migrateSettings(ctx), cwd: ctx.cwd, env: ctx.env, keyEnv: cfg.keyEnv },
        audit,
        thresholds: { ...cfg.drill, requireAudit: cfg.drill.requireAudit && !options.skipAudit },
        onStep: progress.update,
      }),
    );
    return { ...result, target: target.display };
  });
}

/** The drill audits the restored copy as `dreamdb audit-rls` would audit the target. */
async function drillAudit(ctx: Context): Promise<AuditStep> {
  const { auditSettings } = await import('../config/audit.js');
  const { rlsAuditStep } = await import('../backup/drill.js');
  const config = auditSettings(ctx.config.audit);
  return rlsAuditStep({ config, expectationsFile: path.resolve(ctx.cwd, config.expectations) });
}

export function renderDrill(r: DrillResult & { target: string }): string[] {
  const f = r.figures;
  const lines = [`Disaster-recovery drill on ${r.target}: ${r.ok ? style.green('PASSED') : style.red('FAILED')}`];
  for (const s of r.steps)
    lines.push(
      `  ${s.ok ? style.green('✔') : style.red('✘')} ${s.step.padEnd(8)} ${formatDuration(s.durationMs).padStart(9)}  ${s.detail}`,
    );
  lines.push(
    '  figures for the recovery plan:',
    `    backup size     ${formatBytes(f.backupBytes)}`,
    `    backup time     ${formatDuration(f.backupMs)}`,
    `    restore time    ${formatDuration(f.restoreMs)} (migrate, load, compare, analyze)`,
    `    rows verified   ${f.rowsVerified.toLocaleString('en-US')} in ${f.tablesVerified} tables`,
  );
  for (const s of r.shortfalls) lines.push(`  ${style.red('shortfall:')} ${s}`);
  return lines;
}

export function registerBackup(program: Command): void {
  const backupCmd = program
    .command('backup')
    .description(
      "write a consistent logical backup of the app's data (public, storage metadata, auth.users, migration ledgers)",
    )
    .option('--out <dir>', 'directory to create the backup in (default: backup.dir, "backups")')
    .option(
      '--encrypt',
      'encrypt every file with AES-256-GCM; the key is read from $DREAMDB_BACKUP_KEY (backup.keyEnv), never from a flag',
    )
    .addOption(
      new Option(
        '--format <format>',
        "dreamdb (COPY files, no pg_dump needed) or pg_dump (a custom-format archive from a pg_dump of the server's major version)",
      )
        .choices(['dreamdb', 'pg_dump'])
        .default('dreamdb'),
    )
    .addOption(
      new Option('--jobs <n>', 'parallel connections on the one snapshot (default: backup.jobs, 2)').argParser(
        wholeNumberFlag('--jobs', { min: 1, max: 16 }),
      ),
    )
    .addHelpText(
      'after',
      `${TARGET_HELP}
The backup reads one snapshot (REPEATABLE READ, exported to every connection), writes to
<name>.partial and renames it only once the manifest (tables, row counts, sha256 of every file,
schema version, server version) is on disk. Key: 32 random bytes in base64 (openssl rand -base64 32)
or a passphrase of 16+ characters (stretched with scrypt).
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, opts: BackupCommandOptions) => {
        const result = await backup(ctx, opts);
        const { keyEnv } = await settings(ctx);
        ctx.out.result(
          {
            ok: true,
            dir: result.dir,
            sizeBytes: result.sizeBytes,
            durationMs: result.durationMs,
            manifest: result.manifest,
          },
          () => renderBackup(ctx, result, keyEnv),
        );
      }),
    );

  backupCmd
    .command('verify <dir>')
    .description('check a backup against its manifest without restoring it; exit 3 when anything does not match')
    .option('--quick', 'only the sha256 of each file (skip decrypting and decompressing)')
    .addHelpText(
      'after',
      `\nAn encrypted backup is fully checked (authenticity included) when its key is in the environment.\n${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, dir: string, opts: { quick?: boolean }) => {
        const result = await verifyBackup(ctx, dir, opts);
        ctx.out.result(result, () => renderVerify(ctx, result));
        return result.ok ? ExitCode.ok : ExitCode.checkFailed;
      }),
    );

  program
    .command('restore <dir>')
    .description('restore a backup into an empty database: migrate to its schema version, load, prove identical')
    .option('--force', 'replace the rows of a non-empty database (asks you to type its name; --yes skips that)')
    .addHelpText(
      'after',
      `${TARGET_HELP}
Checks every file first, migrates the target to the backup's schema version, loads all tables in
one transaction (triggers off: rows go in exactly as they were), recreates the partitions the
backup holds, and commits only when every table reads back with the backup's row count and sha256.
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, dir: string, opts: { force?: boolean }) => {
        const result = await restore(ctx, dir, opts);
        ctx.out.result(result, () => renderRestore(result));
      }),
    );

  program
    .command('dr-drill')
    .description(
      'disaster-recovery drill: back up, restore into a scratch database, verify, audit RLS, drop it; exit 3 when anything falls short',
    )
    .option('--out <dir>', "keep the drill's backup in this directory (default: a temporary one, removed)")
    .option('--encrypt', 'drill with an encrypted backup (key from $DREAMDB_BACKUP_KEY)')
    .option(
      '--scratch-server <url>',
      'create the scratch database on this server instead (e.g. staging, to keep the load off production)',
    )
    .option('--skip-audit', 'do not run audit-rls on the restored copy')
    .addHelpText(
      'after',
      `${TARGET_HELP}
Needs CREATEDB on the server of the scratch database (the target's, or --scratch-server). Budgets: backup.drill.maxBackupTime
and backup.drill.maxRestoreTime in the config. Suitable for a weekly schedule.
${EXIT_CODES}`,
    )
    .action(
      action(async (ctx, opts: { out?: string; encrypt?: boolean; skipAudit?: boolean; scratchServer?: string }) => {
        const { validateUrl } = await import('../db/connect.js');
        if (opts.scratchServer) validateUrl(opts.scratchServer);
        const result = await drDrill(ctx, opts);
        ctx.out.result(result, () => renderDrill(result));
        return result.ok ? ExitCode.ok : ExitCode.checkFailed;
      }),
    );
}
