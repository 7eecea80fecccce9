/** The `seed` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const seedConfigSchema = z.strictObject({});
