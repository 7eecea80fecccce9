/** The `bench` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';

export const benchConfigSchema = z.strictObject({
  /** Seeded volume: small = 100 artists × 90 days, medium = 1,000 × 365, large = 10,000 × 730. */
  scale: z.enum(['small', 'medium', 'large']).default('small'),
  /** Virtual users (concurrent requests). */
  clients: z.number().int().min(1).max(1_000).default(16),
  /** Connections in the pool: PostgREST's default db-pool is 10. */
  pool: z.number().int().min(1).max(200).default(10),
  /** Seconds of mixed workload per schema. */
  duration: z.number().positive().max(3_600).default(20),
  /** The request mix file (default: fixtures/bench/mix.json shipped with dreamdb). */
  mix: z.string().min(1).optional(),
  /** Requests a virtual user makes as one artist before signing in as another. */
  sessionRequests: z.number().int().min(1).default(10),
  /** Measured runs per request type in the one-client (warm, isolated) phase. */
  isolatedIterations: z.number().int().min(1).default(300),
  /** Seconds of the trivial-query ceiling and the empty-request floor. */
  ceilingDuration: z.number().positive().default(5),
  /** Realtime: subscriber counts and changes measured per count. */
  realtimeSubscribers: z.array(z.number().int().min(1).max(100_000)).default([1, 100, 1_000]),
  realtimeChanges: z.number().int().min(1).default(60),
});

export type BenchConfig = z.infer<typeof benchConfigSchema>;
