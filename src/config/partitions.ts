/** The `partitions` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const partitionsConfigSchema = z.strictObject({});
