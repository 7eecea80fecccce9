/** Latency statistics and terminal charts for the bench: pure functions, unit-tested. */

/** Nearest-rank percentile (the smallest value with at least p% of the samples at or below it). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = Float64Array.from(values).sort();
  const arr = Array.from(s);
  const sum = arr.reduce((a, b) => a + b, 0);
  return {
    count: arr.length,
    mean: arr.length ? sum / arr.length : NaN,
    p50: percentile(arr, 50),
    p95: percentile(arr, 95),
    p99: percentile(arr, 99),
    max: arr.length ? arr[arr.length - 1]! : NaN,
  };
}

/** Latency bucket upper bounds (ms), log-spaced; the last bucket is open. */
export const BUCKETS_MS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, Infinity] as const;

export function histogram(values: readonly number[], bounds: readonly number[] = BUCKETS_MS): number[] {
  const counts = bounds.map(() => 0);
  for (const v of values) {
    let i = 0;
    while (v > bounds[i]!) i += 1;
    counts[i]! += 1;
  }
  return counts;
}

const BARS = ' ▁▂▃▄▅▆▇█';

/** One character per value, scaled to the largest; a non-zero value never renders blank. */
export function sparkline(values: readonly number[]): string {
  const top = Math.max(0, ...values);
  return values
    .map((v) => {
      if (v <= 0 || top === 0) return BARS[0];
      return BARS[Math.max(1, Math.round((v / top) * (BARS.length - 1)))];
    })
    .join('');
}

/** Counts per whole second from start (for a throughput sparkline). */
export function perSecond(timestamps: readonly number[], startMs: number, seconds: number): number[] {
  const out = new Array<number>(Math.max(1, Math.ceil(seconds))).fill(0);
  for (const t of timestamps) {
    const i = Math.floor((t - startMs) / 1000);
    if (i >= 0 && i < out.length) out[i]! += 1;
  }
  return out;
}
