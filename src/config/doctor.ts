/** The `doctor` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const doctorConfigSchema = z.strictObject({});
