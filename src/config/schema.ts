/** The one strict schema of dreamdb.config.json / dreamdb.config.ts. Unknown keys are errors. */
import { z } from 'zod';
import { durationSchema } from './values.js';
import { auditConfigSchema } from './audit.js';
import { seedConfigSchema } from './seed.js';
import { storageConfigSchema } from './storage.js';
import { partitionsConfigSchema } from './partitions.js';
import { doctorConfigSchema } from './doctor.js';
import { benchConfigSchema } from './bench.js';
import { typesConfigSchema } from './types.js';
import { backupConfigSchema } from './backup.js';

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  db: z
    .strictObject({
      /** A connection string. Prefer urlEnv so no password sits in a file. */
      url: z.string().min(1).optional(),
      /** Name of the environment variable that holds the connection string. */
      urlEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
        .optional(),
      /** A label for the target; "production" makes mutating commands ask for typed confirmation. */
      label: z.string().min(1).optional(),
    })
    .refine((db) => !(db.url && db.urlEnv), { message: 'set url or urlEnv, not both' })
    .optional(),
  embedded: z
    .strictObject({
      /** Where the embedded default keeps its data, relative to the working directory. */
      dir: z.string().min(1).default('.dreamdb'),
    })
    .optional(),
  migrations: z
    .strictObject({
      /** Default: supabase/migrations where supabase/config.toml exists, else sql/migrations. */
      dir: z.string().min(1).optional(),
      /** Postgres's lock_timeout for each DDL attempt; on timeout the file is retried with backoff. */
      lockTimeout: durationSchema().default(2_000),
      /** Attempts per file (or statement) when a lock times out, the first included (default 5). */
      lockAttempts: z.number().int().min(1).max(50).optional(),
      /** Deprecated: the old name of lockAttempts (it always counted attempts, not retries). */
      lockRetries: z.number().int().min(1).max(50).optional(),
      /** How long to wait for another `dreamdb migrate` on the same database. */
      waitTimeout: durationSchema().default(60_000),
    })
    .refine((m) => !(m.lockAttempts !== undefined && m.lockRetries !== undefined), {
      message: 'set lockAttempts, not both lockAttempts and lockRetries (its old name)',
    })
    .optional(),
  base: z
    .strictObject({
      /**
       * The Supabase-compatible base's Data API default. false (default): new objects in public are
       * not granted to anon/authenticated/service_role, as on every Supabase project since
       * 2026-10-30. true: the older broad grants. Default from [api] auto_expose_new_tables in
       * supabase/config.toml when set there.
       */
      autoExposeNewTables: z.boolean().optional(),
    })
    .optional(),
  audit: auditConfigSchema.optional(),
  seed: seedConfigSchema.optional(),
  storage: storageConfigSchema.optional(),
  partitions: partitionsConfigSchema.optional(),
  doctor: doctorConfigSchema.optional(),
  bench: benchConfigSchema.optional(),
  types: typesConfigSchema.optional(),
  backup: backupConfigSchema.optional(),
});

/** Keys that were renamed: still read, with a one-line warning naming the new key. */
export const DEPRECATED_KEYS: readonly { path: readonly [string, string]; now: string }[] = [
  { path: ['migrations', 'lockRetries'], now: 'migrations.lockAttempts' },
];

/** The warnings for the deprecated keys a raw config uses. */
export function deprecatedKeysIn(raw: unknown): string[] {
  const out: string[] = [];
  for (const {
    path: [section, key],
    now,
  } of DEPRECATED_KEYS) {
    const value = (raw as Record<string, Record<string, unknown> | undefined> | undefined)?.[section]?.[key];
    if (value !== undefined)
      out.push(`${section}.${key} is deprecated: write ${now} (same meaning); the old key still works.`);
  }
  return out;
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
