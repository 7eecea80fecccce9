/** The `backup` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const backupConfigSchema = z.strictObject({});
