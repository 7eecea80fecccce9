/** The bench's arithmetic: percentiles, summaries, histograms, sparklines, the weighted picker, the mix format. */
import { describe, expect, it } from 'vitest';
import { parseMix, weightedPicker, wrapBody } from '../../src/bench/mix.js';
import {
  BUCKETS_MS,
  concat,
  histogram,
  median,
  percentile,
  perSecond,
  sparkline,
  summarize,
} from '../../src/bench/stats.js';
import { statementShape } from '../../src/bench/statements.js';
import { rng } from '../../src/bench/workload.js';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it('matches the definition on 1..100', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });
  it('small and odd sample counts', () => {
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 75)).toBe(3);
    expect(percentile([1, 2, 3, 4], 76)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });
  it('summarize sorts numerically (not as strings) and reports count, mean and max', () => {
    const s = summarize([10, 9, 100, 2, 1, 20, 3, 4, 5, 6]);
    expect(s).toEqual({ count: 10, mean: 16, p10: 1, p50: 5, p95: 100, p99: 100, p999: 100, max: 100 });
    const spread = summarize(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    expect([spread.p50, spread.p95, spread.p99, spread.p999, spread.max]).toEqual([500, 950, 990, 999, 1000]);
  });
  it('p99.9 of 10,000 is rank 9,990 (no floating-point overshoot), and typed arrays summarize like arrays', () => {
    const xs = Float64Array.from({ length: 10_000 }, (_, i) => i + 1);
    expect(summarize(xs).p999).toBe(9990);
    expect(percentile(xs, 99.9)).toBe(9990);
    expect(summarize(xs)).toEqual(summarize(Array.from(xs)));
  });
  it('concat joins samples from several threads and median is the middle', () => {
    expect(Array.from(concat([Float64Array.of(1, 2), Float64Array.of(), Float64Array.of(3)]))).toEqual([1, 2, 3]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('histogram and sparkline', () => {
  it('puts values in log buckets by their upper bound, the last bucket open', () => {
    const h = histogram([0.05, 0.1, 0.15, 1, 1.5, 7, 5000]);
    expect(h.length).toBe(BUCKETS_MS.length);
    expect(h[0]).toBe(2); // <= 0.1
    expect(h[1]).toBe(1); // <= 0.2
    expect(h[3]).toBe(1); // <= 1
    expect(h[4]).toBe(1); // <= 2
    expect(h[6]).toBe(1); // <= 10
    expect(h.at(-1)).toBe(1);
    expect(h.reduce((a, b) => a + b, 0)).toBe(7);
  });
  it('sparkline scales to the largest value and never hides a non-zero one', () => {
    expect(sparkline([0, 1, 8])).toBe(' ▁█');
    expect(sparkline([0, 0])).toBe('  ');
    expect(sparkline([4, 8])).toBe('▄█');
  });
  it('perSecond counts events into whole seconds from the start', () => {
    expect(perSecond([1000, 1500, 2100, 3999, 4000], 1000, 3)).toEqual([2, 1, 1]);
  });
});

describe('the mix', () => {
  const mix = parseMix({
    usage: { opensPerDay: 1, requestsPerOpen: 1 },
    requests: [
      { name: 'a', title: 'A', weight: 3, readOnly: true, response: 'rows', sql: 'select 1' },
      { name: 'b', title: 'B', weight: 1, readOnly: false, response: 'none', sql: 'select 2' },
    ],
  });
  it('picks by weight', () => {
    const pick = weightedPicker(mix);
    expect(pick(0)).toBe(0);
    expect(pick(0.74)).toBe(0);
    expect(pick(0.75)).toBe(1);
    expect(pick(0.9999)).toBe(1);
    const random = rng(1);
    let a = 0;
    for (let i = 0; i < 10_000; i += 1) if (pick(random()) === 0) a += 1;
    expect(a / 10_000).toBeGreaterThan(0.72);
    expect(a / 10_000).toBeLessThan(0.78);
  });
  it('builds the body in the database, as PostgREST does', () => {
    expect(wrapBody(mix.requests[0]!, 'select 1 as x')).toBe(
      "select coalesce(json_agg(_pgrst_t), '[]')::text as body from (select 1 as x) as _pgrst_t",
    );
    expect(wrapBody(mix.requests[1]!, 'update t set x = 1')).toBe('update t set x = 1');
  });
  it('reports every problem of a bad mix at once, with its path', () => {
    expect(() =>
      parseMix(
        {
          usage: { opensPerDay: 0, requestsPerOpen: 1 },
          requests: [
            { name: 'Bad Name', title: 'x', weight: -1, readOnly: true, response: 'rows', sql: 'select 1', extra: 1 },
          ],
        },
        'm.json',
      ),
    ).toThrowError(/m\.json: usage\.opensPerDay[\s\S]*m\.json: requests\.0\.name[\s\S]*requests\.0\.weight/);
    expect(() =>
      parseMix({ usage: { opensPerDay: 1, requestsPerOpen: 1 }, requests: [mix.requests[0], mix.requests[0]] }),
    ).toThrowError(/appears twice/);
  });
});

describe('matching pg_stat_statements entries', () => {
  it('compares statements with literals and parameters alike, as pg_stat_statements normalizes them', () => {
    const ours =
      "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true), set_config('request.path', '/dashboard', true)";
    const stored = 'select set_config($2, $3, $4), set_config($5, $1, $6), set_config($7, $8, $9)';
    expect(statementShape(ours)).toBe(statementShape(stored));
    expect(statementShape("where status = 'unread' and d >= current_date - 30 limit 20")).toBe(
      statementShape('where status = $2 and d >= current_date - $3 limit $4'),
    );
    expect(statementShape('select x::int2 from t1')).toBe('select x::int2 from t1');
  });
});
