/** The `bench` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const benchConfigSchema = z.strictObject({});
