/** The seed's pure parts: PRNG, curves, formatting, fixture validation. No database. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORMS, simulate, TRAITS } from '../../src/seed/curves.js';
import { copyText } from '../../src/seed/copy.js';
import { parseDate, resolveDate } from '../../src/seed/dates.js';
import { expandFixture, parseFixture } from '../../src/seed/fixtures.js';
import { fixed3, fixed4 } from '../../src/seed/format.js';
import { stableUuid, streamFor } from '../../src/seed/prng.js';
import { extrasFor, makeWindow, metricsFor, planArtist } from '../../src/seed/scale.js';
import { DEV_PASSWORD } from '../../src/seed/apply.js';
import { renderSeed } from '../../src/seed/report.js';

const END = parseDate('2026-11-25')!;

describe('prng', () => {
  it('gives the same numbers for the same keys, and different ones otherwise', () => {
    const a = streamFor('x', 1, 'metrics');
    const b = streamFor('x', 1, 'metrics');
    const c = streamFor('x', 2, 'metrics');
    const seqA = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(seqA);
  });

  it('is roughly uniform', () => {
    const r = streamFor('uniform');
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) buckets[Math.floor(r.next() * 10)] += 1;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('mints valid version-4 UUIDs, and stable name-based ones', () => {
    const r = streamFor('uuids');
    for (let i = 0; i < 100; i += 1)
      expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableUuid('a')).toBe(stableUuid('a'));
    expect(stableUuid('a')).not.toBe(stableUuid('b'));
    expect(stableUuid('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('formatting', () => {
  it('formats fixed decimals like toFixed, negatives included', () => {
    for (const x of [0, 0.00004, 0.00005, 1.23456, 99999.99994, -3.5, -0.12345, 12.3])
      expect(fixed4(x)).toBe(x.toFixed(4).replace(/^-0\.0000$/, '0.0000'));
    expect(fixed3(0.9995)).toBe('1.000');
    expect(fixed3(0.85)).toBe('0.850');
  });

  it('escapes COPY text and writes NULL as \\N', () => {
    expect(copyText('plain')).toBe('plain');
    expect(copyText('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyText(null)).toBe('\\N');
  });
});

describe('dates', () => {
  it('resolves relative and absolute fixture dates', () => {
    expect(resolveDate('today', END)).toEqual({ day: END, minute: 540 });
    expect(resolveDate('today-30d 07:15', END)).toEqual({ day: END - 30, minute: 435 });
    expect(resolveDate('today+2d', END)!.day).toBe(END + 2);
    expect(resolveDate('2026-01-31 23:59', END)).toEqual({ day: parseDate('2026-01-31'), minute: 23 * 60 + 59 });
    for (const bad of ['yesterday', '2026-02-30', 'today-3', 'today 24:00', '2026-1-1'])
      expect(resolveDate(bad, END)).toBeUndefined();
  });
});

describe('curves', () => {
  const window = makeWindow(END, 365);

  it('grows, plateaus and spikes; engagement depends on the platform', () => {
    let grew = 0;
    let spiky = 0;
    let flatStretches = 0;
    const engagement: Record<string, number[]> = {};
    for (let i = 0; i < 200; i += 1) {
      const a = planArtist(7, i, window);
      for (const p of a.platforms) {
        const s = simulate(streamFor('curve-test', i, p.platform), p.profile, 365);
        if (s.followers[364]! > s.followers[0]!) grew += 1;
        if (s.spike.some((x) => x === 1)) spiky += 1;
        // A plateau: 30 days in a row with less than 1% total change.
        for (let t = 30; t < 365; t += 30)
          if (Math.abs(s.followers[t]! - s.followers[t - 30]!) < 0.01 * s.followers[t - 30]!) flatStretches += 1;
        (engagement[p.platform] ??= []).push(...Array.from(s.engagement));
      }
    }
    expect(grew / 1000).toBeGreaterThan(0.6);
    expect(spiky / 1000).toBeGreaterThan(0.5);
    expect(flatStretches).toBeGreaterThan(50);
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    expect(median(engagement.tiktok!)).toBeGreaterThan(median(engagement.instagram!));
    expect(median(engagement.instagram!)).toBeGreaterThan(median(engagement.apple_music!));
    expect(Object.keys(engagement).sort()).toEqual([...PLATFORMS].sort());
    expect(TRAITS.tiktok.spikeChance).toBeGreaterThan(TRAITS.apple_music.spikeChance);
  });

  it('builds an artist the same way whatever else is generated, and its story from its curve', () => {
    const a1 = planArtist(3, 42, window);
    const a2 = planArtist(3, 42, window);
    expect(a1).toEqual(a2);
    const m = metricsFor(a1, window);
    expect(m.rows).toBe(365 * 5);
    expect(m.text.split('\n').length - 1).toBe(m.rows);
    expect(metricsFor(a2, window).text).toBe(m.text);
    const line = m.text.split('\n')[0]!.split('\t');
    expect(line).toHaveLength(14);
    expect(line[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(line[1]).toBe(a1.id);
    expect(line[3]).toBe(window.dates[0]);
    const x = extrasFor(a1, m, window);
    expect(x.counts.tasks).toBeGreaterThan(20);
    expect(x.counts.notifications).toBeGreaterThanOrEqual(x.counts.insights);
    // Milestones become achievements, spikes become high-priority growth insights.
    expect(x.achievements.split('\n').filter((l) => l.includes('\tmilestone\t')).length).toBe(m.milestones.length);
    expect(
      x.insights.split('\n').filter((l) => l.includes('\tgrowth\t') && l.includes('\thigh\t')).length,
    ).toBeGreaterThanOrEqual(m.highlights.length);
    expect(planArtist(4, 42, window).id).not.toBe(a1.id);
  });
});

describe('fixture files', () => {
  it('the shipped fixtures are valid and tell a year', async () => {
    const dir = path.resolve('fixtures/seed');
    const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    const stages = new Set<string>();
    for (const name of names) {
      const { data, problems } = parseFixture(name, await fs.readFile(path.join(dir, name), 'utf8'));
      expect(problems).toEqual([]);
      stages.add(data!.artist.careerStage);
      const rows = expandFixture(data!, END);
      expect(rows.metrics.length).toBeGreaterThanOrEqual(300);
      for (const t of ['insights', 'tasks', 'achievements', 'content', 'notifications'] as const)
        expect(rows[t].length).toBeGreaterThan(0);
    }
    expect([...stages].sort()).toEqual(['developing', 'emerging', 'established']);
  });

  it('names the file and the path of every problem', async () => {
    const good = JSON.parse(await fs.readFile('fixtures/seed/01-maya-rivers.json', 'utf8'));
    good.artist.email = 'not-an-email';
    good.tasks[1].impact = 11;
    good.tasks[2].fromInsight = 'no-such-insight';
    good.platforms[0].metrics.followers[2] = ['today-400d', 5];
    good.notifications[0].colour = 'red';
    const { problems } = parseFixture('fixtures/seed/bad.json', JSON.stringify(good));
    const lines = problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^fixtures\/seed\/bad\.json: artist\.email: /),
        expect.stringMatching(/^fixtures\/seed\/bad\.json: tasks\[1\]\.impact: .*10/),
        expect.stringMatching(/^fixtures\/seed\/bad\.json: notifications\[0\]: Unrecognized key: "colour"/),
      ]),
    );
    const refs = parseFixture(
      'x.json',
      JSON.stringify({
        ...JSON.parse(await fs.readFile('fixtures/seed/01-maya-rivers.json', 'utf8')),
        tasks: [{ key: 'a', title: 't', created: 'today', fromInsight: 'nope' }],
      }),
    );
    expect(refs.problems).toEqual([
      { file: 'x.json', path: 'tasks[0].fromInsight', message: 'no insight with key "nope" in this file' },
      {
        file: 'x.json',
        path: 'notifications[3].about.task',
        message: 'no task with key "pick-ep-snippets" in this file',
      },
    ]);
  });

  it('reports bad JSON with a line and column', () => {
    const { problems } = parseFixture('broken.json', '{\n  "artist": {,\n}');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/^not valid JSON at line 2, column \d+/);
  });

  it('rejects follower points out of date order', async () => {
    const f = JSON.parse(await fs.readFile('fixtures/seed/01-maya-rivers.json', 'utf8'));
    f.platforms[1].metrics.followers = [
      ['today-10d', 5],
      ['today-20d', 6],
    ];
    const { problems } = parseFixture('o.json', JSON.stringify(f));
    expect(problems).toEqual([
      {
        file: 'o.json',
        path: 'platforms[1].metrics.followers[1]',
        message: 'points must be in date order, one per day',
      },
    ]);
  });
});

describe('renderSeed', () => {
  const applied = {
    target: 't',
    dryRun: false,
    fixtures: [{ path: 'fixtures/seed/maya.json', artist: 'Maya Rivers', status: 'applied' as const, rows: 10 }],
    partitions: [],
    scale: null,
  };

  it('names the development password once users were created, and not on a dry run or when nothing changed', () => {
    expect(renderSeed(applied).join('\n')).toContain(`development password ${DEV_PASSWORD}`);
    expect(
      renderSeed({ ...applied, dryRun: true, fixtures: [{ ...applied.fixtures[0]!, status: 'would-apply' }] }).join(
        '\n',
      ),
    ).not.toContain(DEV_PASSWORD);
    expect(
      renderSeed({ ...applied, fixtures: [{ ...applied.fixtures[0]!, status: 'unchanged' }] }).join('\n'),
    ).not.toContain(DEV_PASSWORD);
  });
});
