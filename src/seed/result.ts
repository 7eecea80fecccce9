/** What a seed did (or, on a dry run, would do): the typed result every caller renders. */
import type { TableCounts } from './write-scale.js';

export interface FixtureOutcome {
  path: string;
  artist: string;
  status: 'applied' | 'unchanged' | 'would-apply';
  rows: number;
}

export interface ScaleOutcome {
  seed: number;
  artists: number;
  days: number;
  startDate: string;
  endDate: string;
  artistsAdded: number;
  artistsSkipped: number;
  rows: TableCounts | null;
  totalRows: number;
  /** Rows the run will write (dry run) or wrote. */
  expectedMetricRows: number;
  durationMs: number;
  rowsPerSecond: number;
  metricRowsPerSecond: number;
}

export interface SeedResult {
  target: string;
  dryRun: boolean;
  fixtures: FixtureOutcome[];
  partitions: { year: number; status: string }[];
  scale: ScaleOutcome | null;
}
