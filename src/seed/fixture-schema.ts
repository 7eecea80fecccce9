/**
 * The shape of a fixture file (fixtures/seed/*.json): one artist and its story. Validated with
 * zod when loaded; every problem is reported as `file: path.to.key: message`.
 *
 * Ids: the artist's id is written in the file (it is also its auth.users id, so the app can sign
 * in as it); every other row's id is derived from the artist id, the table and the item's `key`,
 * so re-applying a changed file updates rows in place instead of duplicating them.
 */
import { z } from 'zod';
import { resolveDate } from './dates.js';
import { PLATFORMS } from './curves.js';

const when = z.string().refine((v) => resolveDate(v, 0) !== undefined, {
  message: 'expected a date like "today", "today-30d", "today+7d 09:30" or "2026-01-31"',
});
const key = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a slug like "record-demo" (a-z, 0-9, -)');
const platform = z.enum(PLATFORMS);
const text = z.string().min(1).max(2000);

const artist = z.strictObject({
  id: z.uuid(),
  email: z.email(),
  name: z.string().min(1).max(200),
  username: z.string().regex(/^[a-z0-9_.]{3,30}$/, 'expected 3-30 characters a-z, 0-9, _ or .'),
  bio: text.optional(),
  genre: z.string().min(1).max(60).optional(),
  careerStage: z.enum(['emerging', 'developing', 'established']),
  avatar: z.string().min(1).optional(),
  subscription: z
    .strictObject({
      tier: z.enum(['free', 'pro', 'premium']),
      status: z.enum(['active', 'inactive', 'cancelled', 'past_due', 'trialing']),
      stripeCustomerId: z
        .string()
        .regex(/^cus_[A-Za-z0-9]+$/, 'expected a Stripe customer id like "cus_Q2x..."')
        .optional(),
      trialEnds: when.optional(),
      ends: when.optional(),
    })
    .default({ tier: 'free', status: 'inactive' }),
  joined: when,
  onboarded: when.optional(),
  lastActive: when.optional(),
  notificationsEnabled: z.boolean().default(true),
  device: z
    .strictObject({
      pushToken: z.string().min(1).optional(),
      deviceId: z.string().min(1).optional(),
      appVersion: z.string().min(1).optional(),
    })
    .optional(),
});

const connection = z.strictObject({
  platform,
  username: z.string().min(1).max(100),
  userId: z.string().min(1).max(100),
  connected: when,
  lastSync: when.optional(),
  syncStatus: z.enum(['active', 'expired', 'revoked', 'error']).default('active'),
  permissions: z.array(z.string().min(1)).default([]),
  metrics: z
    .strictObject({
      /** [date, followers] pairs in date order; days between are interpolated. */
      followers: z
        .array(z.tuple([when, z.number().int().nonnegative()]))
        .min(2, 'give at least a first and a last [date, followers] point'),
      /** Typical engagement rate, percent. */
      engagementRate: z.number().positive().max(100),
      postsPerWeek: z.number().nonnegative().max(50),
      viewsPerPost: z.number().int().nonnegative(),
    })
    .optional(),
});

const insight = z.strictObject({
  key,
  type: z.enum(['brand', 'content', 'audience', 'growth', 'monetization']),
  title: z.string().min(1).max(300),
  description: text.optional(),
  recommendations: z.array(text).default([]),
  actionItems: z.array(text).default([]),
  priority: z.enum(['high', 'medium', 'low']).default('medium'),
  status: z.enum(['unread', 'read', 'actioned', 'dismissed']).default('unread'),
  confidence: z.number().min(0).max(1).optional(),
  model: z.string().min(1).default('dream-insights-v2'),
  created: when,
  read: when.optional(),
  dismissed: when.optional(),
});

const task = z.strictObject({
  key,
  title: z.string().min(1).max(300),
  description: text.optional(),
  category: z
    .enum(['content', 'engagement', 'branding', 'business', 'learning', 'networking', 'general'])
    .default('general'),
  difficulty: z.enum(['easy', 'medium', 'hard']).default('medium'),
  minutes: z.number().int().positive().optional(),
  impact: z.number().int().min(1).max(10).default(5),
  points: z.number().int().nonnegative().default(10),
  due: when.optional(),
  scheduled: when.optional(),
  /** When it was completed; absent = still open. */
  completed: when.optional(),
  notes: text.optional(),
  streak: z.boolean().default(true),
  /** The key of the insight this task came from (an AI suggestion). */
  fromInsight: key.optional(),
  created: when,
});

const achievement = z.strictObject({
  key,
  type: z.enum(['milestone', 'streak', 'level', 'badge', 'challenge']),
  name: z.string().min(1).max(200),
  description: text.optional(),
  icon: z.string().min(1).max(60).optional(),
  points: z.number().int().nonnegative().default(0),
  tier: z.enum(['bronze', 'silver', 'gold', 'platinum']).default('bronze'),
  condition: z.record(z.string(), z.unknown()).optional(),
  progress: z.record(z.string(), z.unknown()).default({}),
  unlocked: when,
  shared: z.boolean().default(false),
  shareCount: z.number().int().nonnegative().default(0),
});

const content = z.strictObject({
  key,
  title: z.string().min(1).max(300).optional(),
  description: text.optional(),
  type: z.enum(['image', 'video', 'audio', 'post', 'story']),
  platform: z.enum(['instagram', 'youtube', 'tiktok', 'spotify']).optional(),
  /** Object name in a bucket, e.g. "content-uploads/<artist id>/demo.mp3". */
  file: z.string().min(1).optional(),
  bytes: z.number().int().nonnegative().optional(),
  format: z.string().min(1).max(20).optional(),
  thumbnail: z.string().min(1).optional(),
  views: z.number().int().nonnegative().default(0),
  likes: z.number().int().nonnegative().default(0),
  comments: z.number().int().nonnegative().default(0),
  shares: z.number().int().nonnegative().default(0),
  published: when.optional(),
  scheduled: when.optional(),
  tags: z.array(z.string().min(1)).default([]),
  prediction: z.number().min(0).max(1).optional(),
  created: when,
});

const relatedKinds = ['insight', 'task', 'achievement', 'content'] as const;

const notification = z.strictObject({
  key,
  type: z.enum(['insight', 'achievement', 'task_reminder', 'milestone', 'system']),
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(2000),
  scheduled: when,
  pushSent: z.boolean().default(true),
  opened: when.optional(),
  action: z.string().min(1).max(100).optional(),
  expires: when.optional(),
  /** What it is about: `{ "task": "record-demo" }` (a key in this file). */
  about: z.partialRecord(z.enum(relatedKinds), key).optional(),
});

export const fixtureFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** Free text for people reading the file: who this artist is and what happens in its year. */
    story: z.string().optional(),
    artist,
    platforms: z.array(connection).default([]),
    insights: z.array(insight).default([]),
    tasks: z.array(task).default([]),
    achievements: z.array(achievement).default([]),
    content: z.array(content).default([]),
    notifications: z.array(notification).default([]),
  })
  .superRefine((f, ctx) => {
    const seen = (items: { key: string }[], where: string) => {
      const keys = new Set<string>();
      items.forEach((item, i) => {
        if (keys.has(item.key))
          ctx.addIssue({ code: 'custom', path: [where, i, 'key'], message: `duplicate key "${item.key}"` });
        keys.add(item.key);
      });
      return keys;
    };
    const keys = {
      insight: seen(f.insights, 'insights'),
      task: seen(f.tasks, 'tasks'),
      achievement: seen(f.achievements, 'achievements'),
      content: seen(f.content, 'content'),
    };
    seen(f.notifications, 'notifications');
    const platforms = new Set<string>();
    f.platforms.forEach((p, i) => {
      if (platforms.has(p.platform))
        ctx.addIssue({
          code: 'custom',
          path: ['platforms', i, 'platform'],
          message: `${p.platform} is connected twice`,
        });
      platforms.add(p.platform);
    });
    f.tasks.forEach((t, i) => {
      if (t.fromInsight && !keys.insight.has(t.fromInsight)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i, 'fromInsight'],
          message: `no insight with key "${t.fromInsight}" in this file`,
        });
      }
    });
    f.notifications.forEach((n, i) => {
      for (const [kind, k] of Object.entries(n.about ?? {})) {
        if (k !== undefined && !keys[kind as keyof typeof keys].has(k)) {
          ctx.addIssue({
            code: 'custom',
            path: ['notifications', i, 'about', kind],
            message: `no ${kind} with key "${k}" in this file`,
          });
        }
      }
      if (n.about && Object.keys(n.about).length > 1) {
        ctx.addIssue({ code: 'custom', path: ['notifications', i, 'about'], message: 'name one thing it is about' });
      }
    });
  });

export type FixtureFile = z.output<typeof fixtureFileSchema>;
export type FixtureInput = z.input<typeof fixtureFileSchema>;
