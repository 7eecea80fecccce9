/**
 * Loading fixture files: read, parse, validate (all files, all problems at once), and expand each
 * into the rows it stands for. Nothing touches the database here.
 */
import { formatIssuePath } from '../config/values.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { fromAnchors, platformMetricsJson, type Platform } from './curves.js';
import { dateString, resolveDate, toDate, type ResolvedDate } from './dates.js';
import { fixed3, fixed4 } from './format.js';
import { fixtureFileSchema, type FixtureFile } from './fixture-schema.js';
import { stableUuid, streamFor } from './prng.js';

export interface LoadedFixture {
  /** As recorded in supabase_migrations.seed_files: relative to the directory it was found from. */
  path: string;
  absPath: string;
  /** sha256 of the file's bytes, hex (what the Supabase CLI stores for seed files). */
  hash: string;
  data: FixtureFile;
}

/** A problem in a fixture file: `file: path.to.key: message`. */
export interface FixtureProblem {
  file: string;
  path: string;
  message: string;
}

export class FixtureError extends UsageError {
  readonly problems: FixtureProblem[];
  constructor(problems: FixtureProblem[]) {
    const first = problems[0]!;
    const files = new Set(problems.map((p) => p.file));
    super(
      `Invalid fixture ${first.file}: ${first.path ? `${first.path}: ` : ''}${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}${files.size > 1 ? ` in ${files.size} files` : ''})` : ''}`,
      {
        details:
          problems.length > 1 ? problems.map((p) => `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message}`) : [],
        hint: 'Fix the file(s) and run dreamdb seed again; nothing was written. The format is in docs/seed.md.',
      },
    );
    this.name = 'FixtureError';
    this.problems = problems;
  }
}

/** ["tasks", 2, "impact"] → "tasks[2].impact" */
export function formatPath(parts: readonly PropertyKey[]): string {
  // A problem with the whole file has no path here (formatIssuePath says "(root)").
  return parts.length ? formatIssuePath(parts) : '';
}

function jsonProblem(text: string, error: Error): string {
  const at = /position (\d+)/.exec(error.message);
  const clean = error.message
    .replace(/^JSON\.parse: /, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/, "[^]*$/, '');
  if (!at) return `not valid JSON: ${clean}`;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}: ${clean}`;
}

/** Parses and validates one file's text. Returns the data, or the problems. */
export function parseFixture(file: string, text: string): { data?: FixtureFile; problems: FixtureProblem[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problems: [{ file, path: '', message: jsonProblem(text, error as Error) }] };
  }
  const parsed = fixtureFileSchema.safeParse(raw);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => ({ file, path: formatPath(i.path), message: i.message })) };
  }
  const problems: FixtureProblem[] = [];
  parsed.data.platforms.forEach((p, i) => {
    const anchors = p.metrics?.followers ?? [];
    for (let k = 1; k < anchors.length; k += 1) {
      if (resolveDate(anchors[k]![0], 0)!.day <= resolveDate(anchors[k - 1]![0], 0)!.day) {
        problems.push({
          file,
          path: formatPath(['platforms', i, 'metrics', 'followers', k]),
          message: 'points must be in date order, one per day',
        });
      }
    }
  });
  return problems.length ? { problems } : { data: parsed.data, problems };
}

/**
 * Reads every *.json in dir (sorted by name), validates all of them, and checks what must be
 * unique across files. Throws one FixtureError listing every problem; nothing is half-loaded.
 */
export async function loadFixtures(dir: string, displayBase: string): Promise<LoadedFixture[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`No fixtures directory at ${dir}.`, {
        hint: 'Create it, or set seed.fixturesDir in dreamdb.config.json.',
      });
    }
    throw error;
  }
  const loaded: LoadedFixture[] = [];
  const problems: FixtureProblem[] = [];
  for (const name of names) {
    const absPath = path.join(dir, name);
    const bytes = await fs.readFile(absPath);
    const rel = path.relative(displayBase, absPath).split(path.sep).join('/');
    const { data, problems: found } = parseFixture(rel, bytes.toString('utf8'));
    problems.push(...found);
    if (data) loaded.push({ path: rel, absPath, hash: createHash('sha256').update(bytes).digest('hex'), data });
  }
  const owners = new Map<string, string>();
  const unique = (kind: string, value: string | undefined, file: string, at: string) => {
    if (value === undefined) return;
    const key = `${kind}\u0000${value.toLowerCase()}`;
    const other = owners.get(key);
    if (other && other !== file)
      problems.push({ file, path: at, message: `${kind} "${value}" is also used by ${other}` });
    else owners.set(key, file);
  };
  for (const f of loaded) {
    unique('artist id', f.data.artist.id, f.path, 'artist.id');
    unique('email', f.data.artist.email, f.path, 'artist.email');
    unique('username', f.data.artist.username, f.path, 'artist.username');
    unique(
      'Stripe customer id',
      f.data.artist.subscription.stripeCustomerId,
      f.path,
      'artist.subscription.stripeCustomerId',
    );
    f.data.platforms.forEach((p, i) => unique(`${p.platform} account`, p.userId, f.path, `platforms[${i}].userId`));
  }
  if (problems.length) throw new FixtureError(problems);
  return loaded;
}

// Expansion into rows --------------------------------------------------------------------------

export interface FixtureRows {
  authUser: { id: string; email: string; createdAt: Date; meta: Record<string, unknown> };
  artist: Record<string, unknown>;
  connections: Record<string, unknown>[];
  metrics: Record<string, unknown>[];
  insights: Record<string, unknown>[];
  tasks: Record<string, unknown>[];
  achievements: Record<string, unknown>[];
  content: Record<string, unknown>[];
  notifications: Record<string, unknown>[];
}

/** The id of a fixture row: the same artist, table and key always give the same id. */
export function fixtureId(artistId: string, table: string, key: string): string {
  return stableUuid(`dreamdb-fixture:${artistId}:${table}:${key}`);
}

/** Expands a validated file into rows, with relative dates resolved against `today` (a UTC day). */
export function expandFixture(f: FixtureFile, today: number): FixtureRows {
  const at = (text: string, minute?: number): ResolvedDate => resolveDate(text, today, minute)!;
  const ts = (text: string | undefined, minute?: number): string | null =>
    text === undefined ? null : toDate(at(text, minute)).toISOString();
  const day = (text: string | undefined): string | null => (text === undefined ? null : dateString(at(text).day));
  const a = f.artist;
  const id = a.id;
  const idOf = (table: string, key: string) => fixtureId(id, table, key);
  const connected = new Set(f.platforms.map((p) => p.platform));

  const artist = {
    id,
    email: a.email,
    name: a.name,
    username: a.username,
    avatar_url: a.avatar ?? null,
    bio: a.bio ?? null,
    genre: a.genre ?? null,
    career_stage: a.careerStage,
    subscription_status: a.subscription.status,
    subscription_tier: a.subscription.tier,
    stripe_customer_id: a.subscription.stripeCustomerId ?? null,
    trial_ends_at: ts(a.subscription.trialEnds),
    subscription_ends_at: ts(a.subscription.ends),
    push_token: a.device?.pushToken ?? null,
    device_id: a.device?.deviceId ?? null,
    app_version: a.device?.appVersion ?? null,
    last_active: ts(a.lastActive ?? 'today', 8 * 60),
    instagram_connected: connected.has('instagram'),
    spotify_connected: connected.has('spotify'),
    youtube_connected: connected.has('youtube'),
    tiktok_connected: connected.has('tiktok'),
    notifications_enabled: a.notificationsEnabled,
    data_collection_enabled: true,
    onboarded_at: ts(a.onboarded),
    created_at: ts(a.joined),
  };

  const connections = f.platforms.map((p) => ({
    id: idOf('platform_connections', p.platform),
    artist_id: id,
    platform: p.platform,
    platform_user_id: p.userId,
    platform_username: p.username,
    permissions: p.permissions,
    connected_at: ts(p.connected),
    last_sync: ts(p.lastSync ?? (p.metrics ? 'today 06:00' : undefined)),
    sync_status: p.syncStatus,
  }));

  const metrics: Record<string, unknown>[] = [];
  for (const p of f.platforms) {
    if (!p.metrics) continue;
    const anchors = p.metrics.followers.map(([when, followers]) => [at(when).day, followers] as const);
    const s = fromAnchors(streamFor('dreamdb-fixture', id, p.platform), anchors, {
      platform: p.platform as Platform,
      engagement: p.metrics.engagementRate,
      postsPerWeek: p.metrics.postsPerWeek,
      viewsPerPost: p.metrics.viewsPerPost,
    });
    const first = anchors[0]![0];
    for (let t = 0; t < s.days; t += 1) {
      const d = first + t;
      if (d > today) break; // metrics are measured, never forecast
      const date = dateString(d);
      metrics.push({
        id: stableUuid(`dreamdb-fixture:${id}:metrics:${p.platform}:${date}`),
        artist_id: id,
        platform: p.platform,
        metric_date: date,
        followers: s.followers[t],
        engagement_rate: fixed4(s.engagement[t]!),
        content_count: s.contentCount[t],
        total_views: s.totalViews[t],
        platform_metrics: JSON.parse(platformMetricsJson(p.platform as Platform, s, t)) as unknown,
        follower_growth: s.growth[t],
        follower_growth_rate: fixed4(s.growthRate[t]!),
        data_quality_score: '1.000',
        collection_method: 'api',
        created_at: `${date}T06:00:00Z`,
      });
    }
  }

  const insights = f.insights.map((i) => ({
    id: idOf('insights', i.key),
    artist_id: id,
    type: i.type,
    title: i.title,
    description: i.description ?? null,
    recommendations: i.recommendations,
    action_items: i.actionItems,
    priority: i.priority,
    status: i.status,
    ai_model: i.model,
    confidence_score: i.confidence === undefined ? null : fixed3(i.confidence),
    created_by: 'ai',
    read_at: ts(i.read ?? (i.status === 'unread' ? undefined : i.created)),
    dismissed_at: ts(i.dismissed ?? (i.status === 'dismissed' ? (i.read ?? i.created) : undefined)),
    created_at: ts(i.created),
  }));

  const tasks = f.tasks.map((t) => ({
    id: idOf('tasks', t.key),
    artist_id: id,
    title: t.title,
    description: t.description ?? null,
    category: t.category,
    difficulty: t.difficulty,
    estimated_time: t.minutes ?? null,
    impact_score: t.impact,
    due_date: day(t.due),
    scheduled_for: ts(t.scheduled),
    completed: t.completed !== undefined,
    completed_at: ts(t.completed, 18 * 60),
    completion_notes: t.notes ?? null,
    points_reward: t.points,
    streak_applicable: t.streak,
    ai_generated: t.fromInsight !== undefined,
    parent_insight_id: t.fromInsight ? idOf('insights', t.fromInsight) : null,
    created_at: ts(t.created),
  }));

  const achievements = f.achievements.map((x) => ({
    id: idOf('achievements', x.key),
    artist_id: id,
    type: x.type,
    name: x.name,
    description: x.description ?? null,
    icon: x.icon ?? null,
    points_awarded: x.points,
    tier: x.tier,
    unlock_condition: x.condition ?? null,
    unlocked_at: ts(x.unlocked),
    progress: x.progress,
    shared: x.shared,
    share_count: x.shareCount,
  }));

  const content = f.content.map((c) => {
    const engagement = c.views > 0 ? ((c.likes + c.comments + c.shares) / c.views) * 100 : 0;
    return {
      id: idOf('content', c.key),
      artist_id: id,
      title: c.title ?? null,
      description: c.description ?? null,
      content_type: c.type,
      platform: c.platform ?? null,
      file_url: c.file ?? null,
      file_size: c.bytes ?? null,
      file_format: c.format ?? null,
      thumbnail_url: c.thumbnail ?? null,
      views: c.views,
      likes: c.likes,
      comments: c.comments,
      shares: c.shares,
      engagement_rate: fixed4(Math.min(engagement, 99999)),
      published: c.published !== undefined,
      published_at: ts(c.published),
      scheduled_for: ts(c.scheduled),
      ai_tags: c.tags,
      performance_prediction: c.prediction === undefined ? null : fixed3(c.prediction),
      created_at: ts(c.created),
    };
  });

  const notifications = f.notifications.map((n) => {
    const [kind, key] = (Object.entries(n.about ?? {})[0] ?? []) as [string | undefined, string | undefined];
    const scheduled = at(n.scheduled);
    const future = scheduled.day > today;
    return {
      id: idOf('notifications', n.key),
      artist_id: id,
      type: n.type,
      title: n.title,
      body: n.body,
      push_sent: n.pushSent && !future,
      push_sent_at: n.pushSent && !future ? ts(n.scheduled) : null,
      push_token_used: null,
      opened: n.opened !== undefined,
      opened_at: ts(n.opened),
      action_taken: n.action ?? null,
      scheduled_for: ts(n.scheduled),
      expires_at: ts(n.expires),
      related_entity_type: kind ?? null,
      related_entity_id:
        kind && key
          ? idOf(
              kind === 'insight'
                ? 'insights'
                : kind === 'task'
                  ? 'tasks'
                  : kind === 'achievement'
                    ? 'achievements'
                    : 'content',
              key,
            )
          : null,
      created_at: future ? toDate({ day: today, minute: 0 }).toISOString() : ts(n.scheduled),
    };
  });

  return {
    authUser: { id, email: a.email, createdAt: toDate(at(a.joined)), meta: { name: a.name, username: a.username } },
    artist,
    connections,
    metrics,
    insights,
    tasks,
    achievements,
    content,
    notifications,
  };
}
