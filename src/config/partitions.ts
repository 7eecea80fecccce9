/** The `partitions` section of dreamdb.config.json: defaults for `dreamdb partitions`. */
import { z } from 'zod';
import { duration } from './schema-duration.js';

export const partitionsConfigSchema = z.strictObject({
  /** Years ahead of the current one that must have a partition (rotate). */
  ahead: z.number().int().min(0).max(20).optional(),
  /** The earliest year kept ready for backfills (default: last year). */
  firstYear: z.number().int().min(1900).max(9999).optional(),
  /** Retire partitions older than this many years (rotate; nothing is retired when unset). */
  retain: z.number().int().min(1).max(100).optional(),
  /** Where retired partitions' rows are archived before a drop. */
  archiveDir: z.string().min(1).optional(),
  /** lock_timeout for each attach/detach attempt. */
  lockTimeout: duration.optional(),
});
