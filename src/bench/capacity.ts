/**
 * Capacity: open-loop runs at rising rates, then a bisection, to find the highest rate the
 * database serves within each latency budget (p95 from the scheduled start). A rate passes when
 * p95 is within the budget, the achieved rate is at least 95% of the offered one, nothing was
 * left unstarted and nothing failed. Concurrent users = rate × think time (10,000 users sending a
 * request every 10 s is 1,000 req/s). The search itself is pure over `measure` (tested with a
 * model of a server).
 */
export interface RatePoint {
  rate: number;
  achieved: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  errors: number;
  notStarted: number;
  /** Means over the requests at this rate (ms): waiting for a connection, on it, behind schedule. */
  poolWaitMean: number;
  serviceMean: number;
  lagMean: number;
}

export interface CapacityResult {
  budgetsMs: number[];
  points: RatePoint[];
  /** Per budget: the highest passing rate measured (0 if none), and the users it carries. */
  capacity: { budgetMs: number; rate: number; users: number; at: RatePoint | null; firstMiss: RatePoint | null }[];
  thinkS: number;
}

export const passes = (p: RatePoint, budgetMs: number) =>
  p.p95 <= budgetMs && p.achieved >= 0.95 * p.rate && p.notStarted === 0 && p.errors === 0;

export interface SweepOptions {
  startRate: number;
  maxRate: number;
  /** Geometric step while rising. */
  factor: number;
  /** Bisection steps per budget after the first miss. */
  refine: number;
  budgetsMs: number[];
  thinkS: number;
  onPoint?: (p: RatePoint) => void;
}

export async function sweepCapacity(
  measure: (rate: number) => Promise<RatePoint>,
  o: SweepOptions,
): Promise<CapacityResult> {
  const points: RatePoint[] = [];
  const run = async (rate: number) => {
    const p = await measure(Math.round(rate));
    points.push(p);
    o.onPoint?.(p);
    return p;
  };
  const loosest = Math.max(...o.budgetsMs);
  for (let rate = o.startRate; rate <= o.maxRate; rate *= o.factor) {
    const p = await run(rate);
    if (!passes(p, loosest)) break;
  }
  for (const budget of [...o.budgetsMs].sort((a, b) => b - a)) {
    for (let step = 0; step < o.refine; step += 1) {
      const good = best(points, budget);
      const bad = firstMiss(points, budget, good?.rate ?? 0);
      if (!bad) break;
      const low = good?.rate ?? 0;
      if (bad.rate - low <= Math.max(25, low * 0.05)) break;
      await run(low > 0 ? (low + bad.rate) / 2 : bad.rate / 2);
    }
  }
  return {
    budgetsMs: o.budgetsMs,
    points: [...points].sort((a, b) => a.rate - b.rate),
    thinkS: o.thinkS,
    capacity: o.budgetsMs.map((budgetMs) => {
      const at = best(points, budgetMs);
      return {
        budgetMs,
        rate: at?.rate ?? 0,
        users: Math.round((at?.rate ?? 0) * o.thinkS),
        at,
        firstMiss: firstMiss(points, budgetMs, at?.rate ?? 0),
      };
    }),
  };
}

/** The highest passing rate below which every measured rate also passed. */
function best(points: readonly RatePoint[], budget: number): RatePoint | null {
  let out: RatePoint | null = null;
  for (const p of [...points].sort((a, b) => a.rate - b.rate)) {
    if (!passes(p, budget)) break;
    out = p;
  }
  return out;
}

function firstMiss(points: readonly RatePoint[], budget: number, above: number): RatePoint | null {
  return [...points].sort((a, b) => a.rate - b.rate).find((p) => p.rate > above && !passes(p, budget)) ?? null;
}
