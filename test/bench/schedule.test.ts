/** Open-loop schedules and the capacity search: pure, no clock. */
import { describe, expect, it } from 'vitest';
import { passes, sweepCapacity, type RatePoint } from '../../src/bench/capacity.js';
import { split } from '../../src/bench/engine.js';
import { rng } from '../../src/bench/rng.js';
import { rateSchedule, scheduledIn, usersSchedule } from '../../src/bench/schedule.js';
import { integerWeights } from '../../src/bench/transactions.js';

describe('open-loop schedules', () => {
  it('a rate schedule is fixed in advance: request k at start + k / rate', () => {
    const times = scheduledIn(rateSchedule(200, 1000), 2000);
    expect(times.length).toBe(200);
    expect(times[0]).toBe(1000);
    expect(times[1]).toBe(1005);
    expect(times[199]).toBeCloseTo(1995, 9);
  });
  it('threads split a rate without gaps or overlaps, and together keep it', () => {
    const parts = [0, 1, 2].map((p) => scheduledIn(rateSchedule(300, 0, p, 3), 1000));
    const merged = parts.flat().sort((a, b) => a - b);
    expect(merged).toEqual(scheduledIn(rateSchedule(300, 0), 1000));
    expect(parts.map((p) => p.length)).toEqual([100, 100, 100]);
  });
  it('users with a think time: each user once per think period, N / think per second in all', () => {
    const random = rng(7);
    const times = scheduledIn(usersSchedule(1000, 10_000, 0, random), 30_000);
    expect(times.length).toBe(3000); // 1,000 users × 3 periods = 100 req/s
    for (let i = 1; i < times.length; i += 1) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    // Each period repeats the same phases: user i's requests are exactly think apart.
    expect(times[1000]! - times[0]!).toBe(10_000);
    expect(times[2999]! - times[1999]!).toBe(10_000);
    // Phases spread over the period (no burst at the start).
    expect(times.filter((t) => t < 1000).length).toBeLessThanOrEqual(101);
  });
  it('users are dealt to threads round-robin; the union is the single-thread schedule', () => {
    const whole = scheduledIn(usersSchedule(10, 1000, 0, rng(3)), 3000);
    const parts = [0, 1].map((p) => scheduledIn(usersSchedule(10, 1000, 0, rng(3), p, 2), 3000));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(whole);
    expect(parts.map((p) => p.length)).toEqual([15, 15]);
  });
  it('a thread with no users schedules nothing', () => {
    expect(usersSchedule(1, 1000, 0, rng(1), 1, 2).next()).toBe(Infinity);
  });
  it('rejects a rate or think time that is not positive', () => {
    expect(() => rateSchedule(0, 0)).toThrow();
    expect(() => usersSchedule(1, 0, 0, rng(1))).toThrow();
  });
});

describe('splitting work and weights', () => {
  it('split deals whole shares', () => {
    expect(split(10, 3)).toEqual([4, 3, 3]);
    expect(split(2, 2)).toEqual([1, 1]);
  });
  it('integer weights keep the proportions', () => {
    const t = (weight: number) => ({
      name: 'x',
      weight,
      readOnly: true,
      begin: null,
      impersonate: null,
      query: 'select 1',
      params: [],
    });
    expect(integerWeights([t(20), t(15), t(5)])).toEqual([20, 15, 5]);
    expect(integerWeights([t(0.5), t(1.25)])).toEqual([50, 125]);
  });
});

/** A model server: p95 grows as the rate approaches its capacity, and beyond it the queue grows. */
function model(capacity: number, baseMs: number) {
  const calls: number[] = [];
  const measure = async (rate: number): Promise<RatePoint> => {
    calls.push(rate);
    const rho = rate / capacity;
    const p95 = rho < 1 ? baseMs / (1 - rho) : 5_000;
    return {
      rate,
      achieved: Math.min(rate, capacity),
      p50: p95 / 3,
      p95,
      p99: p95 * 1.5,
      p999: p95 * 2,
      errors: 0,
      notStarted: 0,
      poolWaitMean: rho < 1 ? 0 : 1000,
      serviceMean: baseMs,
      lagMean: 0,
    };
  };
  return { measure, calls };
}

describe('capacity sweep', () => {
  it('rises geometrically to the first miss of the loosest budget, then bisects per budget', async () => {
    const m = model(2000, 5);
    const r = await sweepCapacity(m.measure, {
      startRate: 250,
      maxRate: 100_000,
      factor: 2,
      refine: 3,
      budgetsMs: [200, 50],
      thinkS: 10,
    });
    // p95 = 5 / (1 - rate/2000): ≤ 50 ms up to 1,800 req/s, ≤ 200 ms up to 1,950.
    expect(m.calls.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    const c50 = r.capacity.find((c) => c.budgetMs === 50)!;
    const c200 = r.capacity.find((c) => c.budgetMs === 200)!;
    expect(c50.rate).toBeGreaterThanOrEqual(1000);
    expect(c50.rate).toBeLessThanOrEqual(1800);
    expect(c200.rate).toBeGreaterThanOrEqual(c50.rate);
    expect(c200.rate).toBeLessThanOrEqual(1950);
    expect(c50.users).toBe(c50.rate * 10);
    expect(passes(c50.at!, 50)).toBe(true);
    expect(c50.firstMiss!.rate).toBeGreaterThan(c50.rate);
    expect(r.points.map((p) => p.rate)).toEqual([...r.points.map((p) => p.rate)].sort((a, b) => a - b));
  });
  it('a rate the server cannot keep up with fails even when p95 looks fine (achieved < 95%)', () => {
    const p: RatePoint = {
      rate: 1000,
      achieved: 900,
      p50: 1,
      p95: 2,
      p99: 3,
      p999: 4,
      errors: 0,
      notStarted: 0,
      poolWaitMean: 0,
      serviceMean: 1,
      lagMean: 0,
    };
    expect(passes(p, 50)).toBe(false);
    expect(passes({ ...p, achieved: 990 }, 50)).toBe(true);
    expect(passes({ ...p, achieved: 990, notStarted: 1 }, 50)).toBe(false);
    expect(passes({ ...p, achieved: 990, errors: 1 }, 50)).toBe(false);
  });
  it('reports 0 when even the first rate misses', async () => {
    const m = model(100, 5);
    const r = await sweepCapacity(m.measure, {
      startRate: 250,
      maxRate: 10_000,
      factor: 2,
      refine: 2,
      budgetsMs: [200, 50],
      thinkS: 10,
    });
    expect(r.capacity.every((c) => c.rate <= 125)).toBe(true);
    expect(m.calls[0]).toBe(250);
  });
});
