/**
 * Daily audience curves, shared by the fixtures (hand-written anchors) and the scale generator
 * (a simulation): followers that grow logistically toward a ceiling, go quiet for weeks
 * (plateaus), jump when something goes viral (spikes), and lose a little to churn; engagement
 * that depends on the platform and on audience size; cumulative posts and views.
 */
import type { Rng } from './prng.js';

export const PLATFORMS = ['instagram', 'spotify', 'youtube', 'tiktok', 'apple_music'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface PlatformTraits {
  /** Typical engagement rate in percent for an account of ~1k followers: [low, high]. */
  engagement: [number, number];
  /** Chance of a post (or release) per day. */
  postsPerDay: number;
  /** Daily views (streams, plays) per follower. */
  viewsPerFollower: number;
  /** Chance per day that something goes viral (a playlist add, a trending sound). */
  spikeChance: number;
  /** Share of an artist's audience this platform usually holds. */
  share: number;
}

export const TRAITS: Record<Platform, PlatformTraits> = {
  instagram: { engagement: [2, 6], postsPerDay: 0.45, viewsPerFollower: 0.25, spikeChance: 1 / 200, share: 0.3 },
  spotify: { engagement: [1, 4], postsPerDay: 0.02, viewsPerFollower: 0.9, spikeChance: 1 / 260, share: 0.2 },
  youtube: { engagement: [3, 7], postsPerDay: 0.08, viewsPerFollower: 0.12, spikeChance: 1 / 180, share: 0.15 },
  tiktok: { engagement: [6, 14], postsPerDay: 0.6, viewsPerFollower: 0.5, spikeChance: 1 / 90, share: 0.25 },
  apple_music: { engagement: [0.5, 2.5], postsPerDay: 0.02, viewsPerFollower: 0.6, spikeChance: 1 / 400, share: 0.1 },
};

/** One platform's days, index 0 = the first day. */
export interface Series {
  days: number;
  followers: Float64Array;
  /** followers minus the previous day's. */
  growth: Float64Array;
  /** growth in percent of the previous day's followers (>= -100). */
  growthRate: Float64Array;
  /** percent */
  engagement: Float64Array;
  contentCount: Float64Array;
  totalViews: Float64Array;
  dailyViews: Float64Array;
  /** 1 on days inside a viral spike. */
  spike: Uint8Array;
}

function emptySeries(days: number): Series {
  return {
    days,
    followers: new Float64Array(days),
    growth: new Float64Array(days),
    growthRate: new Float64Array(days),
    engagement: new Float64Array(days),
    contentCount: new Float64Array(days),
    totalViews: new Float64Array(days),
    dailyViews: new Float64Array(days),
    spike: new Uint8Array(days),
  };
}

/** Smaller accounts engage more: ~x1.6 at 100 followers, x1 at 1k, ~x0.4 at 1M. */
function sizeFactor(followers: number): number {
  return Math.min(2, Math.max(0.3, Math.pow(1000 / Math.max(followers, 10), 0.13)));
}

export interface SimulationProfile {
  platform: Platform;
  startFollowers: number;
  /** Logistic ceiling: growth slows as followers approach it (the plateau). */
  ceiling: number;
  /** Daily growth rate far below the ceiling. */
  growth: number;
  /** Daily share of followers lost. */
  churn: number;
  /** Engagement rate (percent) at 1k followers. */
  engagement: number;
  postsPerDay: number;
  viewsPerFollower: number;
  spikeChance: number;
  startPosts: number;
}

/** Simulates `days` days; day -1 is simulated too, so day 0 has a real day-over-day change. */
export function simulate(rng: Rng, p: SimulationProfile, days: number): Series {
  const s = emptySeries(days);
  let f = p.startFollowers;
  let ceiling = p.ceiling;
  let quiet = 0;
  let spikeLeft = 0;
  let spikeGain = 0;
  let posts = p.startPosts;
  let views = Math.round(p.startFollowers * p.viewsPerFollower * rng.between(30, 120));
  for (let t = -1; t < days; t += 1) {
    const before = f;
    // Plateaus: weeks where almost nothing happens (no release, no posting).
    let pace = 1;
    if (quiet > 0) {
      quiet -= 1;
      pace = 0.08;
    } else if (rng.chance(1 / 140)) {
      quiet = rng.int(14, 70);
    }
    let delta = p.growth * f * (1 - f / ceiling) * pace * (1 + 0.7 * rng.normal()) - p.churn * f;
    // Spikes: most of the gain on the first day, decaying over the next few.
    let spiking = 0;
    if (spikeLeft > 0) {
      delta += spikeGain * spikeLeft;
      spikeLeft -= 1;
      spiking = 1;
    } else if (quiet === 0 && rng.chance(p.spikeChance)) {
      const total = f * rng.logBetween(0.04, 0.9) + rng.between(20, 400);
      spikeLeft = rng.int(3, 7);
      spikeGain = total / ((spikeLeft * (spikeLeft + 1)) / 2);
      delta += spikeGain * spikeLeft;
      spikeLeft -= 1;
      spiking = 1;
      ceiling += total * 1.5; // new fans raise the ceiling
    }
    f = Math.max(0, f + delta);
    const posted = rng.chance(p.postsPerDay * pace + (spiking ? 0.3 : 0)) ? 1 : 0;
    posts += posted;
    const dayViews = f * p.viewsPerFollower * rng.between(0.6, 1.4) * (spiking ? 3.5 : 1) * (posted ? 1.6 : 1);
    views += Math.round(dayViews);
    if (t < 0) continue;
    const rounded = Math.round(f);
    const prev = Math.round(before);
    s.followers[t] = rounded;
    s.growth[t] = rounded - prev;
    s.growthRate[t] = prev > 0 ? Math.max(-100, Math.min(99999, ((rounded - prev) / prev) * 100)) : 0;
    s.engagement[t] = Math.max(0.01, p.engagement * sizeFactor(f) * (1 + 0.15 * rng.normal()) * (spiking ? 1.9 : 1));
    s.contentCount[t] = posts;
    s.totalViews[t] = views;
    s.dailyViews[t] = Math.round(dayViews);
    s.spike[t] = spiking;
  }
  return s;
}

/**
 * A hand-written curve: anchors [dayIndex, followers] (ascending), interpolated geometrically
 * between anchors with a little daily noise, so "grew from 800 to 6,000 over the year, jumped
 * in June" reads as two or three anchors in a fixture file.
 */
export function fromAnchors(
  rng: Rng,
  anchors: readonly (readonly [number, number])[],
  options: { platform: Platform; engagement: number; postsPerWeek: number; viewsPerPost: number; startPosts?: number },
): Series {
  const first = anchors[0]![0];
  const last = anchors[anchors.length - 1]![0];
  const days = last - first + 1;
  const s = emptySeries(days);
  const at = (day: number): number => {
    for (let i = 1; i < anchors.length; i += 1) {
      const [d1, v1] = anchors[i]!;
      const [d0, v0] = anchors[i - 1]!;
      if (day <= d1) {
        const x = d1 === d0 ? 1 : (day - d0) / (d1 - d0);
        return Math.exp(Math.log(Math.max(v0, 1)) + x * (Math.log(Math.max(v1, 1)) - Math.log(Math.max(v0, 1))));
      }
    }
    return anchors[anchors.length - 1]![1];
  };
  let posts = options.startPosts ?? Math.round(options.postsPerWeek * 20);
  let views = Math.round(posts * options.viewsPerPost * 0.8);
  let prev = 0;
  for (let t = 0; t < days; t += 1) {
    const day = first + t;
    const base = at(day);
    const isAnchor = anchors.some(([d]) => d === day);
    const followers = isAnchor ? Math.round(base) : Math.max(0, Math.round(base * (1 + 0.002 * rng.normal())));
    const growth = t === 0 ? 0 : followers - prev;
    const jump = prev > 0 && growth / prev > 0.05;
    const posted = rng.chance(options.postsPerWeek / 7) ? 1 : 0;
    posts += posted;
    const dayViews = Math.round(
      (posted ? options.viewsPerPost : options.viewsPerPost * 0.15) * rng.between(0.6, 1.4) * (jump ? 3 : 1),
    );
    views += dayViews;
    s.followers[t] = followers;
    s.growth[t] = growth;
    s.growthRate[t] = t === 0 || prev <= 0 ? 0 : Math.max(-100, Math.min(99999, (growth / prev) * 100));
    s.engagement[t] = Math.max(0.01, options.engagement * (1 + 0.12 * rng.normal()) * (jump ? 1.8 : 1));
    s.contentCount[t] = posts;
    s.totalViews[t] = views;
    s.dailyViews[t] = dayViews;
    s.spike[t] = jump ? 1 : 0;
    prev = followers;
  }
  return s;
}

/** The platform_metrics jsonb of day t: what each platform's API reports beyond the common columns. */
export function platformMetricsJson(platform: Platform, s: Series, t: number): string {
  const v = s.dailyViews[t]!;
  const f = s.followers[t]!;
  switch (platform) {
    case 'instagram':
      return `{"reach":${Math.round(v * 0.7)},"impressions":${v},"profile_visits":${Math.round(v * 0.03)}}`;
    case 'spotify':
      return `{"streams":${v},"monthly_listeners":${Math.round(f * 2.4)},"saves":${Math.round(v * 0.04)}}`;
    case 'youtube':
      return `{"views":${v},"watch_time_hours":${Math.round(v * 0.05)},"subscribers_gained":${Math.max(0, s.growth[t]!)}}`;
    case 'tiktok':
      return `{"views":${v},"likes":${Math.round(v * 0.09)},"shares":${Math.round(v * 0.006)}}`;
    case 'apple_music':
      return `{"plays":${v},"shazams":${Math.round(v * 0.01)}}`;
  }
}
