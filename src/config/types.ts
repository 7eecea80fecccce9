/** The `types` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const typesConfigSchema = z.strictObject({});
