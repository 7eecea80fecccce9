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
  /** Measured runs per request type in the one-client (warm, isolated) phase. */
  isolatedIterations: z.number().int().min(1).default(300),
  /** Seconds of the trivial-query ceiling and the empty-request floor. */
  ceilingDuration: z.number().positive().default(5),
  /** Realtime: subscriber counts and changes measured per count. */
  realtimeSubscribers: z.array(z.number().int().min(1).max(100_000)).default([1, 1_000, 10_000]),
  realtimeChanges: z.number().int().min(1).default(30),
  /** The load engine of the mixed run: dreamdb's own (worker threads) or pgbench. */
  engine: z.enum(['dreamdb', 'pgbench']).default('dreamdb'),
  /** Load threads of dreamdb's engine (each with its own connections); default half the cores, at least 1. */
  threads: z.number().int().min(1).max(64).optional(),
  /** pgbench's -j (its threads), in the paired runs and with --engine pgbench. */
  pgbenchThreads: z.number().int().min(1).max(64).default(2),
  /** Signed-in artists the load engines spread requests over. */
  subjects: z.number().int().min(1).max(100_000).default(256),
  /** Artists in the paired runs with pgbench (its scripts hold one branch per artist). */
  pgbenchSubjects: z.number().int().min(1).max(512).default(4),
  /** Rounds of the paired runs with pgbench (medians are reported); each round ceilingDuration seconds per engine and case. */
  pairedRounds: z.number().int().min(1).max(20).default(1),
  /** Calls per request type timed inside the server. */
  atDatabaseIterations: z.number().int().min(1).default(300),
  /** The capacity sweep: seconds per rate, first rate, ceiling, step factor, bisection steps. */
  sweep: z
    .strictObject({
      stepDuration: z.number().positive().default(4),
      startRate: z.number().positive().default(250),
      maxRate: z.number().positive().default(20_000),
      factor: z.number().min(1.1).default(1.6),
      refine: z.number().int().min(0).default(2),
    })
    .default({ stepDuration: 4, startRate: 250, maxRate: 20_000, factor: 1.6, refine: 2 }),
  /** Seconds between a user's requests, to turn a rate into concurrent users. */
  thinkSeconds: z.number().positive().default(10),
});

export type BenchConfig = z.infer<typeof benchConfigSchema>;
