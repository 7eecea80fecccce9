/**
 * The scale generator: deterministic, realistic artists and their data as COPY text lines.
 *
 * Everything about artist i comes from streams keyed by (seed, i, purpose), so artist i is the
 * same whatever --artists says, and a rerun adds only the artists that are missing. The window of
 * days ends at `endDay` (default today, UTC); the same seed and end day give the same bytes.
 */
import {
  PLATFORMS,
  TRAITS,
  simulate,
  platformMetricsJson,
  type Platform,
  type Series,
  type SimulationProfile,
} from './curves.js';
import { dateString, timestampString } from './dates.js';
import { fixed3, fixed4 } from './format.js';
import { streamFor, type Rng } from './prng.js';
import {
  BAND_NOUNS,
  BAND_WORDS,
  CONTENT_TAGS,
  FIRST_NAMES,
  GENRES,
  INSIGHT_TEMPLATES,
  LAST_NAMES,
  PLATFORM_NAMES,
  SYSTEM_NOTIFICATIONS,
  TASK_TEMPLATES,
} from './words.js';

export { SCALES, type ScaleName } from './scales.js';

export type CareerStage = 'emerging' | 'developing' | 'established';

export interface Window {
  endDay: number;
  days: number;
  startDay: number;
  /** yyyy-mm-dd per day index. */
  dates: string[];
  /** The time a day's metrics were collected (06:00 UTC). */
  collectedAt: string[];
  /** 12 hex digits of the absolute day: the tail of a metric row's id. */
  dayHex: string[];
}

export function makeWindow(endDay: number, days: number): Window {
  const startDay = endDay - days + 1;
  const dates: string[] = [];
  const collectedAt: string[] = [];
  const dayHex: string[] = [];
  for (let t = 0; t < days; t += 1) {
    const d = dateString(startDay + t);
    dates.push(d);
    collectedAt.push(`${d} 06:00:00+00`);
    dayHex.push((startDay + t).toString(16).padStart(12, '0'));
  }
  return { endDay, days, startDay, dates, collectedAt, dayHex };
}

export interface PlatformPlan {
  platform: Platform;
  /** The first 24 characters of this artist's metric ids on this platform (the day completes it). */
  idPrefix: string;
  connectionId: string;
  userId: string;
  username: string;
  connectedDay: number;
  profile: SimulationProfile;
}

export interface ArtistPlan {
  seed: number;
  index: number;
  id: string;
  name: string;
  email: string;
  username: string;
  genre: string;
  stage: CareerStage;
  tier: 'free' | 'pro' | 'premium';
  status: 'active' | 'inactive' | 'cancelled' | 'past_due' | 'trialing';
  stripeCustomerId: string | null;
  trialEndsDay: number | null;
  subscriptionEndsDay: number | null;
  createdDay: number;
  onboardedDay: number;
  lastActiveDay: number;
  notificationsEnabled: boolean;
  platforms: PlatformPlan[];
}

const STAGE_AUDIENCE: Record<
  CareerStage,
  { total: [number, number]; growth: [number, number]; ceiling: [number, number] }
> = {
  emerging: { total: [150, 6_000], growth: [0.004, 0.012], ceiling: [4, 30] },
  developing: { total: [6_000, 120_000], growth: [0.0015, 0.006], ceiling: [2, 8] },
  established: { total: [120_000, 4_000_000], growth: [0.0003, 0.002], ceiling: [1.2, 3] },
};

const TIER_WEIGHTS: Record<CareerStage, number[]> = {
  emerging: [0.75, 0.22, 0.03],
  developing: [0.45, 0.45, 0.1],
  established: [0.15, 0.45, 0.4],
};

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** Who artist `index` of `seed` is: identity, stage, subscription, and a profile per platform. */
export function planArtist(seed: number, index: number, window: Window): ArtistPlan {
  const r = streamFor('dreamdb-seed', seed, index, 'artist');
  const id = r.uuid();
  const band = r.chance(0.3);
  const name = band
    ? `The ${r.pick(BAND_WORDS)} ${r.pick(BAND_NOUNS)}`
    : `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
  const handle = `${slug(name)}_${seed}_${index}`;
  const stage = r.weighted<CareerStage>(['emerging', 'developing', 'established'], [0.55, 0.33, 0.12]);
  const tier = r.weighted(['free', 'pro', 'premium'] as const, TIER_WEIGHTS[stage]);
  const status =
    tier === 'free'
      ? 'inactive'
      : r.weighted(['active', 'trialing', 'past_due', 'cancelled'] as const, [0.85, 0.06, 0.05, 0.04]);
  const createdDay = window.startDay - r.int(0, 400);
  const audience = STAGE_AUDIENCE[stage];
  const total = r.logBetween(audience.total[0], audience.total[1]);
  const growth = r.between(audience.growth[0], audience.growth[1]);
  const ceilingFactor = r.logBetween(audience.ceiling[0], audience.ceiling[1]);
  const platforms = PLATFORMS.map((platform, p): PlatformPlan => {
    const traits = TRAITS[platform];
    const start = Math.max(5, total * traits.share * r.logBetween(0.25, 3));
    const idBase = r.uuid();
    return {
      platform,
      idPrefix: idBase.slice(0, 24),
      connectionId: r.uuid(),
      userId: `${platform}_${seed}_${index}`,
      username: handle,
      connectedDay: createdDay + r.int(0, 30) + p,
      profile: {
        platform,
        startFollowers: start,
        ceiling: start * ceilingFactor * r.between(0.7, 1.4),
        growth: growth * r.between(0.5, 1.6),
        churn: r.between(0.0001, 0.0006),
        engagement: r.between(traits.engagement[0], traits.engagement[1]),
        postsPerDay: traits.postsPerDay * r.between(0.4, 1.8),
        viewsPerFollower: traits.viewsPerFollower * r.between(0.5, 1.6),
        spikeChance: traits.spikeChance * r.between(0.5, 2),
        startPosts: r.int(5, 400),
      },
    };
  });
  return {
    seed,
    index,
    id,
    name,
    email: `${handle.replace(/_/g, '.')}@seed.dreamsuite.test`,
    username: handle,
    genre: r.pick(GENRES),
    stage,
    tier,
    status,
    stripeCustomerId: tier === 'free' ? null : `cus_s${seed}x${index}`,
    trialEndsDay: status === 'trialing' ? window.endDay + r.int(1, 14) : null,
    subscriptionEndsDay: status === 'cancelled' ? window.endDay + r.int(1, 30) : null,
    createdDay,
    onboardedDay: createdDay + r.int(0, 3),
    lastActiveDay: window.endDay - Math.floor(r.logBetween(1, 60)) + 1,
    notificationsEnabled: r.chance(0.85),
    platforms,
  };
}

// Rows ------------------------------------------------------------------------------------------

const N = '\\N';

function stamp(day: number, minute: number): string {
  return timestampString(day, minute);
}

export function authUserLine(a: ArtistPlan, passwordHash: string, extraEmptyColumns: number): string {
  const created = stamp(a.createdDay, 600);
  const meta = `{"name":"${a.name}","username":"${a.username}"}`;
  return `00000000-0000-0000-0000-000000000000\t${a.id}\tauthenticated\tauthenticated\t${a.email}\t${passwordHash}\t${created}\t{"provider":"email","providers":["email"]}\t${meta}\t${created}\t${created}${'\t'.repeat(extraEmptyColumns)}\n`;
}

export function artistLine(a: ArtistPlan): string {
  const created = stamp(a.createdDay, 600);
  return (
    [
      a.id,
      a.email,
      a.name,
      a.username,
      `avatars/${a.id}/avatar.jpg`,
      N,
      a.genre,
      a.stage,
      a.status,
      a.tier,
      a.stripeCustomerId ?? N,
      a.trialEndsDay === null ? N : stamp(a.trialEndsDay, 0),
      a.subscriptionEndsDay === null ? N : stamp(a.subscriptionEndsDay, 0),
      N,
      N,
      '2.4.1',
      stamp(a.lastActiveDay, 1200),
      't',
      't',
      't',
      't',
      a.notificationsEnabled ? 't' : 'f',
      't',
      stamp(a.onboardedDay, 700),
      created,
      created,
    ].join('\t') + '\n'
  );
}

export function connectionLines(a: ArtistPlan, window: Window): string {
  let out = '';
  for (const p of a.platforms) {
    out += `${p.connectionId}\t${a.id}\t${p.platform}\t${p.userId}\t${p.username}\t["read_insights"]\t${stamp(p.connectedDay, 720)}\t${window.collectedAt[window.days - 1]}\tactive\n`;
  }
  return out;
}

export interface Milestone {
  threshold: number;
  day: number;
}

export interface Highlight {
  platform: Platform;
  day: number;
  /** The day's follower growth in percent. */
  percent: number;
}

export interface ArtistMetrics {
  text: string;
  rows: number;
  milestones: Milestone[];
  /** The biggest spikes (at most three), the story the insights tell. */
  highlights: Highlight[];
  /** Average followers per platform on the last day (scales content views). */
  followers: number;
}

const MILESTONES = [1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000];

/** A year (or whatever the window is) of daily metrics on every platform for one artist. */
export function metricsFor(a: ArtistPlan, window: Window): ArtistMetrics {
  const days = window.days;
  const total = new Float64Array(days);
  const highlights: Highlight[] = [];
  const quality = streamFor('dreamdb-seed', a.seed, a.index, 'quality');
  let text = '';
  let lastFollowers = 0;
  for (const p of a.platforms) {
    const s: Series = simulate(streamFor('dreamdb-seed', a.seed, a.index, 'metrics', p.platform), p.profile, days);
    const middle = `\t${a.id}\t${p.platform}\t`;
    for (let t = 0; t < days; t += 1) {
      const followers = s.followers[t]!;
      total[t] = total[t]! + followers;
      const dq = quality.next() < 0.02 ? fixed3(0.85 + 0.14 * quality.next()) : '1.000';
      text += `${p.idPrefix}${window.dayHex[t]}${middle}${window.dates[t]}\t${followers}\t${fixed4(s.engagement[t]!)}\t${s.contentCount[t]}\t${s.totalViews[t]}\t${platformMetricsJson(p.platform, s, t)}\t${s.growth[t]}\t${fixed4(s.growthRate[t]!)}\t${dq}\tapi\t${window.collectedAt[t]}\n`;
      if (s.spike[t] && (t === 0 || !s.spike[t - 1]) && s.growthRate[t]! > 3)
        highlights.push({ platform: p.platform, day: window.startDay + t, percent: s.growthRate[t]! });
    }
    lastFollowers += s.followers[days - 1]!;
  }
  const milestones: Milestone[] = [];
  for (const threshold of MILESTONES) {
    if (total[0]! >= threshold) continue;
    for (let t = 1; t < days; t += 1) {
      if (total[t]! >= threshold) {
        milestones.push({ threshold, day: window.startDay + t });
        break;
      }
    }
  }
  highlights.sort((x, y) => y.percent - x.percent || x.day - y.day);
  return {
    text,
    rows: days * a.platforms.length,
    milestones,
    highlights: highlights.slice(0, 3),
    followers: lastFollowers / a.platforms.length,
  };
}

// The rest of an artist's story: insights, tasks, achievements, content, notifications ----------

export interface ArtistExtras {
  insights: string;
  tasks: string;
  achievements: string;
  content: string;
  notifications: string;
  counts: { insights: number; tasks: number; achievements: number; content: number; notifications: number };
}

function json(value: unknown): string {
  // Our strings are plain ASCII without backslashes, so JSON needs no COPY escaping.
  return JSON.stringify(value);
}

function humanCount(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1_000 ? `${n / 1_000}K` : String(n);
}

interface InsightRow {
  id: string;
  createdDay: number;
  minute: number;
  title: string;
  status: string;
  readDay: number | null;
}

interface AchievementRow {
  id: string;
  day: number;
  minute: number;
  name: string;
  milestone: boolean;
}

export function extrasFor(a: ArtistPlan, m: ArtistMetrics, window: Window): ArtistExtras {
  const r: Rng = streamFor('dreamdb-seed', a.seed, a.index, 'story');
  const end = window.endDay;
  const pickDay = () => window.startDay + r.int(0, window.days - 1);
  const out = { insights: '', tasks: '', achievements: '', content: '', notifications: '' };
  const counts = { insights: 0, tasks: 0, achievements: 0, content: 0, notifications: 0 };
  const notify = (
    type: string,
    title: string,
    body: string,
    day: number,
    minute: number,
    related: [string, string] | null,
    opened: number | null,
    expires: number | null,
  ) => {
    const future = day > end;
    const sent = !future && a.notificationsEnabled;
    out.notifications +=
      [
        r.uuid(),
        a.id,
        type,
        title,
        body,
        sent ? 't' : 'f',
        sent ? stamp(day, minute) : N,
        N,
        opened === null ? 'f' : 't',
        opened === null ? N : stamp(opened, Math.min(minute + 90, 1439)),
        opened !== null && r.chance(0.3) ? 'viewed' : N,
        stamp(day, minute),
        expires === null ? N : stamp(expires, 0),
        related ? related[0] : N,
        related ? related[1] : N,
        stamp(Math.min(day, end), minute),
      ].join('\t') + '\n';
    counts.notifications += 1;
  };

  // Insights: the spikes first (the story), then routine observations about twice a month.
  const insights: InsightRow[] = [];
  const addInsight = (
    type: string,
    title: string,
    description: string,
    recommendations: string[],
    day: number,
    priority: string,
  ) => {
    const age = end - day;
    const status =
      age > 14
        ? r.weighted(['read', 'actioned', 'dismissed', 'unread'], [0.6, 0.2, 0.12, 0.08])
        : r.weighted(['unread', 'read', 'actioned'], [0.6, 0.3, 0.1]);
    const readDay = status === 'unread' ? null : Math.min(end, day + r.int(0, 3));
    const minute = r.int(6 * 60, 22 * 60);
    const row: InsightRow = { id: r.uuid(), createdDay: day, minute, title, status, readDay };
    insights.push(row);
    out.insights +=
      [
        row.id,
        a.id,
        type,
        title,
        description,
        json(recommendations),
        json(recommendations.slice(0, 1).map((x) => ({ title: x, done: status === 'actioned' }))),
        priority,
        status,
        'dream-insights-v2',
        fixed3(r.between(0.55, 0.97)),
        'ai',
        readDay === null ? N : stamp(readDay, Math.min(minute + 60, 1439)),
        status === 'dismissed' ? stamp(readDay ?? day, Math.min(minute + 61, 1439)) : N,
        stamp(day, minute),
      ].join('\t') + '\n';
    counts.insights += 1;
  };
  for (const h of m.highlights) {
    const day = Math.min(end, h.day + 1);
    addInsight(
      'growth',
      `Your ${PLATFORM_NAMES[h.platform]} audience jumped ${Math.round(h.percent)}% on ${dateString(h.day)}`,
      'Something you posted is spreading. New followers are most likely to stay if you post again within 48 hours.',
      ['Post a follow-up within 48 hours', 'Pin the post that took off', 'Thank new followers in a story'],
      day,
      'high',
    );
  }
  const routine = r.poisson(window.days / 14);
  for (let i = 0; i < routine; i += 1) {
    const type = r.weighted(
      ['brand', 'content', 'audience', 'growth', 'monetization'],
      [0.15, 0.3, 0.2, 0.2, a.stage === 'emerging' ? 0.05 : 0.2],
    );
    const t = r.pick(INSIGHT_TEMPLATES[type]!);
    addInsight(
      type,
      t.title,
      t.description,
      t.recommendations,
      pickDay(),
      r.weighted(['high', 'medium', 'low'], [0.2, 0.55, 0.25]),
    );
  }
  insights.sort((x, y) => x.createdDay - y.createdDay);

  // Tasks: about one every five days; a third follow an insight; most past ones get done.
  const taskCount = r.poisson(window.days / 5);
  for (let i = 0; i < taskCount; i += 1) {
    const tpl = r.pick(TASK_TEMPLATES);
    let created = pickDay();
    let parent: InsightRow | undefined;
    if (insights.length && r.chance(0.33)) {
      parent = r.pick(insights);
      created = Math.min(end, parent.createdDay + r.int(0, 2));
    }
    const due = created + r.int(1, 21);
    const done = due <= end ? r.chance(0.7) : r.chance(0.15);
    const doneDay = done ? Math.min(end, created + r.int(0, Math.max(0, Math.min(due, end) - created))) : null;
    const points = tpl.difficulty === 'easy' ? 10 : tpl.difficulty === 'medium' ? 25 : 50;
    const minute = r.int(7 * 60, 21 * 60);
    const id = r.uuid();
    out.tasks +=
      [
        id,
        a.id,
        tpl.title,
        N,
        tpl.category,
        tpl.difficulty,
        String(r.pick([15, 30, 45, 60, 90, 120, 240])),
        String(r.int(1, 10)),
        dateString(due),
        N,
        done ? 't' : 'f',
        doneDay === null ? N : stamp(doneDay, Math.min(minute + r.int(30, 300), 1439)),
        done && r.chance(0.2) ? 'Done, went well' : N,
        String(points),
        't',
        parent ? 't' : 'f',
        parent ? parent.id : N,
        stamp(created, minute),
      ].join('\t') + '\n';
    counts.tasks += 1;
    if (r.chance(0.4)) {
      const remindDay = due - 1;
      notify(
        'task_reminder',
        'Task due tomorrow',
        tpl.title,
        remindDay,
        9 * 60,
        ['task', id],
        remindDay < end && done && r.chance(0.7) ? remindDay : null,
        due + 30,
      );
    }
  }

  // Achievements: follower milestones from the curve, streaks and levels along the way.
  const achievements: AchievementRow[] = [];
  const addAchievement = (
    type: string,
    name: string,
    description: string,
    icon: string,
    points: number,
    tier: string,
    condition: unknown,
    day: number,
    milestone: boolean,
  ) => {
    const minute = r.int(6 * 60, 23 * 60);
    const row: AchievementRow = { id: r.uuid(), day, minute, name, milestone };
    achievements.push(row);
    const shared = r.chance(0.3);
    out.achievements +=
      [
        row.id,
        a.id,
        type,
        name,
        description,
        icon,
        String(points),
        tier,
        json(condition),
        stamp(day, minute),
        '{}',
        shared ? 't' : 'f',
        String(shared ? r.int(1, 40) : 0),
      ].join('\t') + '\n';
    counts.achievements += 1;
  };
  for (const ms of m.milestones) {
    const tier =
      ms.threshold >= 1_000_000
        ? 'platinum'
        : ms.threshold >= 100_000
          ? 'gold'
          : ms.threshold >= 10_000
            ? 'silver'
            : 'bronze';
    addAchievement(
      'milestone',
      `${humanCount(ms.threshold)} fans`,
      `Your audience passed ${humanCount(ms.threshold)} across platforms.`,
      'trophy',
      Math.round(50 * Math.log10(ms.threshold)),
      tier,
      { followers_total: ms.threshold },
      ms.day,
      true,
    );
  }
  const streaks = r.poisson(window.days / 45);
  for (let i = 0; i < streaks; i += 1) {
    const length = r.pick([3, 7, 14, 30]);
    addAchievement(
      'streak',
      `${length}-day streak`,
      `Completed a task ${length} days in a row.`,
      'flame',
      length * 5,
      length >= 30 ? 'gold' : length >= 14 ? 'silver' : 'bronze',
      { streak_days: length },
      pickDay(),
      false,
    );
  }
  const levels = r.poisson(window.days / 90);
  for (let i = 0; i < levels; i += 1) {
    const level = i + 2;
    addAchievement(
      'level',
      `Level ${level}`,
      `Reached level ${level}.`,
      'star',
      level * 20,
      level >= 8 ? 'gold' : 'bronze',
      { level },
      pickDay(),
      false,
    );
  }

  // Content the artist tracks in the app: about one item every four days.
  const contentCount = r.poisson(window.days / 4);
  for (let i = 0; i < contentCount; i += 1) {
    const platform = r.weighted(['instagram', 'tiktok', 'youtube', 'spotify'] as const, [0.4, 0.35, 0.15, 0.1]);
    const type =
      platform === 'spotify'
        ? 'audio'
        : platform === 'instagram'
          ? r.weighted(['image', 'video', 'post', 'story'], [0.4, 0.3, 0.15, 0.15])
          : 'video';
    const ext = type === 'audio' ? 'mp3' : type === 'video' ? 'mp4' : 'jpg';
    const bytes =
      type === 'audio'
        ? r.int(3_000_000, 12_000_000)
        : type === 'video'
          ? r.int(8_000_000, 95_000_000)
          : r.int(200_000, 4_000_000);
    const created = pickDay();
    const published = created < end ? r.chance(0.85) : false;
    const views = published ? Math.round(m.followers * r.logBetween(0.05, 3)) : 0;
    const likes = Math.round(views * r.between(0.02, 0.12));
    const comments = Math.round(likes * r.between(0.02, 0.1));
    const shares = Math.round(likes * r.between(0.01, 0.08));
    const fileId = r.uuid();
    const minute = r.int(8 * 60, 23 * 60);
    out.content +=
      [
        r.uuid(),
        a.id,
        `${PLATFORM_NAMES[platform]} ${type} #${i + 1}`,
        N,
        type,
        platform,
        `content-uploads/${a.id}/${fileId}.${ext}`,
        String(bytes),
        ext,
        type === 'video' ? `thumbnails/${a.id}/${fileId}.jpg` : N,
        String(views),
        String(likes),
        String(comments),
        String(shares),
        views > 0 ? fixed4(Math.min(99999, ((likes + comments + shares) / views) * 100)) : '0.0000',
        published ? 't' : 'f',
        published ? stamp(Math.min(end, created + r.int(0, 2)), minute) : N,
        published ? N : stamp(created + r.int(1, 10), 18 * 60),
        json([r.pick(CONTENT_TAGS), r.pick(CONTENT_TAGS)]),
        fixed3(r.between(0.2, 0.95)),
        stamp(created, minute),
      ].join('\t') + '\n';
    counts.content += 1;
  }

  // Notifications about insights and achievements, and a few from the system.
  for (const i of insights)
    notify(
      'insight',
      'New insight',
      i.title,
      i.createdDay,
      Math.min(i.minute + 5, 1439),
      ['insight', i.id],
      i.readDay,
      null,
    );
  for (const x of achievements)
    notify(
      x.milestone ? 'milestone' : 'achievement',
      x.milestone ? 'Milestone reached' : 'Achievement unlocked',
      x.name,
      x.day,
      Math.min(x.minute + 1, 1439),
      ['achievement', x.id],
      r.chance(0.6) ? Math.min(end, x.day + r.int(0, 2)) : null,
      null,
    );
  const system = r.poisson(window.days / 120);
  for (let i = 0; i < system; i += 1) {
    const s = r.pick(SYSTEM_NOTIFICATIONS);
    const day = pickDay();
    notify('system', s.title, s.body, day, 10 * 60, null, r.chance(0.5) ? day : null, day + 14);
  }
  return { ...out, counts };
}

/** How many rows of each kind per artist, roughly, for progress and batch sizing. */
export function extrasPerArtist(days: number): number {
  return days * (1 / 14 + 1 / 5 + 1 / 45 + 1 / 90 + 1 / 4) + days * (1 / 14 + 0.4 / 5 + 1 / 45 + 1 / 120);
}
