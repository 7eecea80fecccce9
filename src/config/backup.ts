/**
 * The `backup` section of dreamdb.config.json (strict: unknown keys are errors). The encryption
 * key is never read from here: only the NAME of the environment variable that holds it.
 */
import { z } from 'zod';
import { durationSchema } from './values.js';

const durationMs = durationSchema();

const tablePattern = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*\.(\*|[A-Za-z_][A-Za-z0-9_$]*)$/, 'expected schema.table or schema.*');

export const BACKUP_DEFAULTS = {
  dir: 'backups',
  include: ['public.*', 'storage.buckets', 'storage.objects', 'auth.users'],
  keyEnv: 'DREAMDB_BACKUP_KEY',
} as const;

export const backupConfigSchema = z.strictObject({
  /** Where `dreamdb backup` writes when --out is not given (relative to the working directory). */
  dir: z.string().min(1).default(BACKUP_DEFAULTS.dir),
  /**
   * Tables backed up: `schema.*` or `schema.table`. Partitions follow their parent. The migration
   * ledgers (dreamdb.migrations, supabase_migrations.schema_migrations) are always included.
   */
  include: z
    .array(tablePattern)
    .min(1)
    .default([...BACKUP_DEFAULTS.include]),
  /** Tables left out even when `include` matches them. */
  exclude: z.array(tablePattern).default([]),
  /** Parallel connections reading one exported snapshot. */
  jobs: z.number().int().min(1).max(16).default(2),
  /** gzip (level 1: fast, ~4x smaller) or none. */
  compression: z.enum(['gzip', 'none']).default('gzip'),
  /** The environment variable holding the key for --encrypt and for restoring encrypted backups. */
  keyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
    .default(BACKUP_DEFAULTS.keyEnv),
  /** How long to wait for the ACCESS SHARE locks a consistent backup takes (behind a migration, say). */
  lockTimeout: durationMs.default(30_000),
  drill: z
    .strictObject({
      /** `dr-drill` fails (exit 3) when the backup takes longer than this (your RPO window's budget). */
      maxBackupTime: durationMs.default(15 * 60_000),
      /** ... or when the restore takes longer than this (your RTO). */
      maxRestoreTime: durationMs.default(30 * 60_000),
      /** ... or when the RLS audit of the restored copy is not clean. */
      requireAudit: z.boolean().default(true),
    })
    .default({ maxBackupTime: 15 * 60_000, maxRestoreTime: 30 * 60_000, requireAudit: true }),
});

export type BackupConfig = z.output<typeof backupConfigSchema>;

export function backupSettings(input: z.input<typeof backupConfigSchema> | BackupConfig | undefined): BackupConfig {
  return backupConfigSchema.parse(input ?? {});
}
