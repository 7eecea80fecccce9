/** The one strict schema of dreamdb.config.json / dreamdb.config.ts. Unknown keys are errors. */
import { z } from 'zod';
import { duration } from './schema-duration.js';
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
      urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
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
      dir: z.string().min(1).default('sql/migrations'),
      /** lock_timeout for DDL; on timeout the file is retried with backoff. */
      lockTimeout: duration.default(2_000),
      lockRetries: z.number().int().min(1).max(50).default(5),
      /** How long to wait for another `dreamdb migrate` on the same database. */
      waitTimeout: duration.default(60_000),
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

export { duration, toMs } from './schema-duration.js';

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
