/** Latency statistics and terminal charts for the bench: pure functions, unit-tested. */

/** Nearest-rank percentile (the smallest value with at least p% of the samples at or below it). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  // The epsilon keeps 99.9 % of 1,000 at rank 999 (99.9 / 100 * 1000 is 999.0000000000001).
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Summary {
  count: number;
  mean: number;
  /** The fast end: a call's own cost with little waiting for a core. */
  p10: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < s.length; i += 1) sum += s[i]!;
  const arr = s as unknown as number[];
  return {
    count: s.length,
    mean: s.length ? sum / s.length : NaN,
    p10: percentile(arr, 10),
    p50: percentile(arr, 50),
    p95: percentile(arr, 95),
    p99: percentile(arr, 99),
    p999: percentile(arr, 99.9),
    max: s.length ? s[s.length - 1]! : NaN,
  };
}

/** Concatenates sample arrays (from several load threads). */
export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Latency bucket upper bounds (ms), log-spaced; the last bucket is open. */
export const BUCKETS_MS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, Infinity] as const;

export function histogram(values: ArrayLike<number>, bounds: readonly number[] = BUCKETS_MS): number[] {
  const counts = bounds.map(() => 0);
  for (let k = 0; k < values.length; k += 1) {
    const v = values[k]!;
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

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
