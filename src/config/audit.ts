/** The `audit` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const auditConfigSchema = z.strictObject({});
