/** The `partitions` section of dreamdb.config.json: defaults for `dreamdb partitions`. */
import { z } from 'zod';
import { durationSchema } from './values.js';

export const partitionsConfigSchema = z.strictObject({
  /** Years ahead of the current one that must have a partition (rotate). */
  ahead: z.number().int().min(0).max(20).optional(),
  /** The earliest year kept ready for backfills (default: last year). */
  firstYear: z.number().int().min(1900).max(9999).optional(),
  /** Retire partitions older than this many years (rotate; nothing is retired when unset). */
  retain: z.number().int().min(1).max(100).optional(),
  /** Where retired partitions' rows are archived before a drop. */
  archiveDir: z.string().min(1).optional(),
  /** Postgres's lock_timeout for each attach/detach attempt (rotate's --lock-timeout). */
  lockTimeout: durationSchema().optional(),
  /** Attempts per step when a lock times out, the first included (rotate's --attempts). */
  lockAttempts: z.number().int().min(1).max(1000).optional(),
  /** How long rotate waits for another rotation of the same table (rotate's --wait-timeout). */
  waitTimeout: durationSchema().optional(),
});
