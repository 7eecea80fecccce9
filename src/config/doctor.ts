/**
 * The `doctor` section of dreamdb.config.json (strict: unknown keys are errors). Every threshold
 * of `dreamdb doctor` has a default here (docs/operations.md lists them); a check can be turned
 * off with `disable`.
 */
import { z } from 'zod';
import { byteSizeSchema, durationSchema } from './values.js';

/** Milliseconds, or "500ms", "2s", "5m", "1h". */
export const durationMs = durationSchema();

/** Bytes, or "512kB", "64MB", "1GB" (powers of 1024, as Postgres reads them). */
export const byteSize = byteSizeSchema();

const ratio = z.number().min(0).max(1);

export const DOCTOR_CHECK_IDS = [
  'connections',
  'cache-hit-ratio',
  'long-transactions',
  'idle-in-transaction',
  'blocked-locks',
  'replication-slots',
  'partition-horizon',
  'migrations',
  'rls-disabled',
  'unused-indexes',
  'duplicate-indexes',
  'bloat',
  'stale-statistics',
  'slow-statements',
  'invalid-indexes',
  'not-valid-constraints',
] as const;
export type DoctorCheckId = (typeof DOCTOR_CHECK_IDS)[number];

export const doctorConfigSchema = z.strictObject({
  /** Checks not to run, by id. */
  disable: z.array(z.enum(DOCTOR_CHECK_IDS)).default([]),
  connections: z
    .strictObject({
      /** Alert above this share of max_connections (and of a role's CONNECTION LIMIT): the draft's 80%. */
      maxUsedRatio: ratio.default(0.8),
    })
    .default({ maxUsedRatio: 0.8 }),
  cacheHitRatio: z
    .strictObject({
      /** Alert below this share of blocks found in shared buffers. */
      min: ratio.default(0.99),
      /** Not judged before this many block reads+hits (a new database has no meaningful ratio). */
      minBlocks: z.number().int().nonnegative().default(10_000),
    })
    .default({ min: 0.99, minBlocks: 10_000 }),
  longTransactions: z
    .strictObject({
      /** Alert when a transaction or a statement has been running longer than this. */
      maxAge: durationMs.default(300_000),
    })
    .default({ maxAge: 300_000 }),
  idleInTransaction: z
    .strictObject({
      /** Alert when a session has sat idle inside an open transaction longer than this. */
      maxAge: durationMs.default(60_000),
    })
    .default({ maxAge: 60_000 }),
  blockedLocks: z
    .strictObject({
      /** Alert when a session has waited for a lock held by another longer than this. */
      maxWait: durationMs.default(10_000),
    })
    .default({ maxWait: 10_000 }),
  replicationSlots: z
    .strictObject({
      /** Alert when a slot holds back more WAL than this. */
      maxRetainedWal: byteSize.default(1024 ** 3),
      /** Alert on any inactive slot (nothing consumes it, so its WAL only grows). */
      alertInactive: z.boolean().default(true),
    })
    .default({ maxRetainedWal: 1024 ** 3, alertInactive: true }),
  partitions: z
    .strictObject({
      /** Range-partitioned-by-year tables whose horizon is watched. */
      tables: z
        .array(z.string().regex(/^[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*$/i, 'expected schema.table'))
        .default(['public.metrics']),
      /** Alert unless every day from today to the end of (this year + yearsAhead) has a partition. */
      yearsAhead: z.number().int().min(0).max(50).default(1),
    })
    .default({ tables: ['public.metrics'], yearsAhead: 1 }),
  rls: z
    .strictObject({
      /** Schemas the API exposes: every table there must have RLS enabled. */
      schemas: z.array(z.string().min(1)).default(['public', 'storage']),
    })
    .default({ schemas: ['public', 'storage'] }),
  unusedIndexes: z
    .strictObject({
      /** Only indexes at least this big are worth a finding (a new database's indexes are all unused). */
      minSize: byteSize.default(8 * 1024 ** 2),
    })
    .default({ minSize: 8 * 1024 ** 2 }),
  bloat: z
    .strictObject({
      /** Alert when the estimated wasted share of a table is above this ... */
      maxRatio: ratio.default(0.5),
      /** ... and the wasted space is at least this big. */
      minWasted: byteSize.default(64 * 1024 ** 2),
    })
    .default({ maxRatio: 0.5, minWasted: 64 * 1024 ** 2 }),
  staleStatistics: z
    .strictObject({
      /** Alert when more than this share of a table's rows changed since its last ANALYZE ... */
      maxModifiedRatio: ratio.default(0.2),
      /** ... and at least this many rows did (small tables are cheap to plan badly). */
      minRows: z.number().int().nonnegative().default(10_000),
    })
    .default({ maxModifiedRatio: 0.2, minRows: 10_000 }),
  slowStatements: z
    .strictObject({
      /** The latency budget: the draft's 200 ms for the mobile app's queries. */
      budget: durationMs.default(200),
      /** Statements called fewer times are not judged. */
      minCalls: z.number().int().min(1).default(10),
      /** How many of the slowest to list. */
      top: z.number().int().min(1).max(100).default(5),
    })
    .default({ budget: 200, minCalls: 10, top: 5 }),
});

export type DoctorConfig = z.output<typeof doctorConfigSchema>;
export type DoctorConfigInput = z.input<typeof doctorConfigSchema>;

/** The thresholds when the config has no `doctor` section, or only part of one. */
export function doctorSettings(input: DoctorConfigInput | DoctorConfig | undefined): DoctorConfig {
  return doctorConfigSchema.parse(input ?? {});
}
