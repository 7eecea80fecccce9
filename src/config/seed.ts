/** The `seed` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const seedConfigSchema = z.strictObject({
  /** Fixture files (*.json), relative to the working directory. Default: fixtures/seed. */
  fixturesDir: z.string().min(1).optional(),
  /** The PRNG seed for generated volume when --seed is not given. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
});
