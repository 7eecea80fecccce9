/** What `dreamdb bench` takes and returns: the options of a run and its typed result. */
import type { ScaleName } from '../seed/scale.js';
import type { CapacityResult } from './capacity.js';
import type { CopiedTable, TableFingerprint } from './draft.js';
import type { LoadResult } from './engine.js';
import type { PairedCase } from './paired.js';
import type { PgbenchResult } from './pgbench.js';
import type { RealtimeResult } from './realtime.js';
import type { AtDatabase, TypeCost } from './statements.js';
import type { IsolatedResult } from './workload.js';

export interface BenchOptions {
  scale?: ScaleName;
  /** Override the scale's artists / days (tests). */
  artists?: number;
  days?: number;
  clients?: number;
  pool?: number;
  /** Seconds. */
  duration?: number;
  mix?: string;
  compare?: 'baseline';
  /** Keep the baseline database for the next run (it is dropped by default). */
  keepBaseline?: boolean;
  realtime?: boolean;
  isolatedIterations?: number;
  ceilingDuration?: number;
  realtimeChanges?: number;
  realtimeSubscribers?: number[];
  seed?: number;
  engine?: 'dreamdb' | 'pgbench';
  threads?: number;
  /** Open loop: requests per second, or users with a think time (seconds). */
  rate?: number;
  users?: number;
  think?: number;
  /** Find the highest rate within each latency budget. */
  sweep?: boolean;
  /** Skip the paired runs with pgbench (it is used when found on PATH). */
  pgbench?: boolean;
  pairedRounds?: number;
  sweepStepDuration?: number;
  atDatabaseIterations?: number;
}

export interface Comparison {
  name: string;
  shippedP95: number;
  draftP95: number | null;
  /** shipped / draft (below 1: the shipped schema is faster). */
  ratio: number | null;
  isolatedShippedP95: number;
  isolatedDraftP95: number | null;
  isolatedRatio: number | null;
  /** Why a row has no ratio or uses a repaired request. */
  note?: string;
}

export interface BenchResult {
  target: string;
  scale: {
    name: ScaleName;
    artists: number;
    days: number;
    seed: number;
    reused: boolean;
    seedMs: number;
    metricRows: number;
  };
  settings: {
    clients: number;
    pool: number;
    durationS: number;
    isolatedIterations: number;
    mix: string;
    engine: 'dreamdb' | 'pgbench';
    threads: number;
    pgbenchThreads: number;
    subjects: number;
    pgbenchSubjects: number;
    statementTimeout: string;
    cores: number;
    /** The machine's 1-minute load average at the start and end of the run (other work shares the cores). */
    loadAverage: { start: number; end: number };
  };
  /** The harness beside pgbench on the same transactions (pgbench null when it is not installed). */
  harness: { pgbench: string | null; skipped?: string; cases: PairedCase[] };
  shipped: {
    isolated: IsolatedResult[];
    mixed: LoadResult | PgbenchResult;
    /** Mixed throughput / select-1 ceiling of the same engine family. */
    fractionOfCeiling: number;
    /** pg_stat_statements over the mixed run. */
    cost: TypeCost[] | { unavailable: string };
    /** Each request type timed inside the server. */
    atDatabase: AtDatabase[];
  };
  openLoop: LoadResult | PgbenchResult | null;
  capacity: CapacityResult | null;
  baseline?: {
    database: string;
    kept: boolean;
    copied: CopiedTable[];
    dataIdentical: boolean;
    fingerprints: { shipped: TableFingerprint[]; draft: TableFingerprint[] };
    isolatedAsWritten: IsolatedResult[];
    isolated: IsolatedResult[];
    mixed: LoadResult;
    fractionOfCeiling: number;
    comparison: Comparison[];
  };
  payload: {
    perType: { name: string; meanBytes: number; maxBytes: number; gzipMeanBytes: number | null }[];
    meanBytesPerRequest: number;
    requestsPerMonth: number;
    monthlyBytes: number;
    targetMonthlyBytes: number;
    usage: string;
  };
  realtime: RealtimeResult | null;
  targets: Target_[];
}

export interface Target_ {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
  /** When missed: which part holds it back, with its figure. */
  heldBackBy?: string;
}
