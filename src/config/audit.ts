/** The `audit` section of dreamdb.config.json (strict: unknown keys are errors). */
import { z } from 'zod';
import { durationSchema } from './values.js';

/** A duration as milliseconds (decimals allowed, for tight budgets), or "150ms", "0.2s". */
const budget = durationSchema({ units: ['ms', 's'], fractional: true });

const qualifiedName = z
  .string()
  .regex(/^[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*$/, 'expected schema.table, e.g. public.artists');

export const DEFAULT_PROTECTED_COLUMNS = [
  'subscription_*',
  'stripe_*',
  'trial_ends_at',
  'billing_*',
  'plan',
  'plan_*',
  'is_admin',
  'role',
  'points_*',
  '*_points',
  'balance',
  'credits',
];
/** Dream Suite's server-owned columns, reviewed (docs/schema.md): billing, counters, AI output, tokens. */
/** Stamped by the offline-sync triggers on every write (docs/sync.md): the client never sets them. */
const SYNC_STAMPED = [
  'public.artists.version',
  ...['insights', 'tasks', 'content', 'notifications'].flatMap((t) => [
    `public.${t}.updated_at`,
    `public.${t}.version`,
  ]),
];
export const DEFAULT_SERVER_OWNED = [
  'public.artists.subscription_status',
  'public.artists.subscription_tier',
  'public.artists.stripe_customer_id',
  'public.artists.trial_ends_at',
  'public.artists.subscription_ends_at',
  'public.artists.instagram_connected',
  'public.artists.spotify_connected',
  'public.artists.youtube_connected',
  'public.artists.tiktok_connected',
  'public.artists.email',
  'public.artists.created_at',
  'public.platform_connections.*',
  'public.metrics.*',
  'public.achievements.*',
  'public.insights.type',
  'public.insights.title',
  'public.insights.description',
  'public.insights.recommendations',
  'public.insights.action_items',
  'public.insights.priority',
  'public.insights.ai_model',
  'public.insights.confidence_score',
  'public.insights.created_by',
  'public.tasks.points_reward',
  'public.tasks.ai_generated',
  'public.tasks.completed_at',
  'public.tasks.streak_applicable',
  'public.content.views',
  'public.content.likes',
  'public.content.comments',
  'public.content.shares',
  'public.content.engagement_rate',
  'public.content.ai_tags',
  'public.content.performance_prediction',
  'public.notifications.type',
  'public.notifications.title',
  'public.notifications.body',
  'public.notifications.push_sent',
  'public.notifications.push_sent_at',
  'public.notifications.push_token_used',
  'public.notifications.scheduled_for',
  'public.notifications.expires_at',
  'public.notifications.related_entity_type',
  'public.notifications.related_entity_id',
  ...SYNC_STAMPED,
];
/** Written by the schema's own triggers as a consequence of the client's write. */
export const DEFAULT_DERIVED = [
  'public.artists.updated_at',
  'public.tasks.completed_at',
  'public.artists.email',
  ...SYNC_STAMPED,
];
export const DEFAULT_SECRET_COLUMNS = [
  '*access_token*',
  '*refresh_token*',
  '*_encrypted',
  '*secret*',
  '*password*',
  '*api_key*',
];

export const auditConfigSchema = z.strictObject({
  /** Schemas exposed through the API whose tables, views, partitions and functions are audited. */
  schemas: z.array(z.string().min(1)).min(1).default(['public', 'storage']),
  /** The reviewed matrix, written by --write-expectations, relative to the working directory. */
  expectations: z.string().min(1).default('fixtures/audit/expectations.txt'),
  /** How many artists (A, B, C, ...) get fixture rows and are impersonated. */
  artists: z.number().int().min(2).max(8).default(3),
  /** Claims added to every authenticated actor's JWT (a custom access-token hook's claims). */
  claims: z.record(z.string(), z.unknown()).default({}),
  tenant: z
    .strictObject({
      /** The table whose primary key is the tenant (artists.id = auth.users.id). */
      root: qualifiedName.default('public.artists'),
      /** Columns that name the owning tenant. */
      ownerColumns: z.array(z.string().min(1)).min(1).default(['artist_id']),
      /**
       * Tenancy by membership: a user acts for every tenant it has a row for in this table (a band's
       * members, a manager of several artists). Without it, the tenant's id is the user's id.
       */
      membership: z
        .strictObject({
          /** e.g. public.band_members */
          table: qualifiedName,
          /** The column holding auth.uid(), e.g. user_id. */
          user: z.string().min(1),
          /** The column holding the tenant's id, e.g. band_id. */
          tenant: z.string().min(1),
          /** Other columns the membership row needs, e.g. { "role": "member" }. */
          values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
        })
        .optional(),
    })
    .default({ root: 'public.artists', ownerColumns: ['artist_id'] }),
  /** Values for fixture rows where the generator cannot guess one: { "public.x": { "col": value } }. */
  fixtures: z
    .record(qualifiedName, z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))
    .default({}),
  columns: z
    .strictObject({
      /** Columns (globs; `table.column` or `column`) an owner must not be able to change. */
      protected: z.array(z.string().min(1)).default(DEFAULT_PROTECTED_COLUMNS),
      /** Columns no client may read, not even the owner. */
      secret: z.array(z.string().min(1)).default(DEFAULT_SECRET_COLUMNS),
      /**
       * The reviewed list of server-owned columns (`schema.table.column`): no client action may
       * write them, directly or through a trigger or function. Columns the client role holds no
       * INSERT/UPDATE privilege on are server-owned too (from the grants).
       */
      serverOwned: z.array(z.string().min(1)).default(DEFAULT_SERVER_OWNED),
      /** Server-owned columns a trigger derives from the client's own write (updated_at, completed_at): not a side effect. */
      derived: z.array(z.string().min(1)).default(DEFAULT_DERIVED),
    })
    .default({
      protected: DEFAULT_PROTECTED_COLUMNS,
      secret: DEFAULT_SECRET_COLUMNS,
      serverOwned: DEFAULT_SERVER_OWNED,
      derived: DEFAULT_DERIVED,
    }),
  oracles: z
    .strictObject({
      /** Unique columns that are public by design (a taken username is no secret): reported as info. */
      publicColumns: z.array(z.string().min(1)).default(['username']),
    })
    .default({ publicColumns: ['username'] }),
  /** Findings accepted on purpose, each with the reason a reviewer can read. */
  suppress: z
    .array(
      z.strictObject({
        /** The finding or lint id, e.g. "unindexed_foreign_keys" or "isolation.cross_tenant_read". */
        id: z.string().min(1),
        /** The object it names, e.g. "public.tasks" (a trailing * matches a prefix). */
        object: z.string().min(1),
        reason: z.string().min(10, 'say why, in a sentence a reviewer can check'),
      }),
    )
    .default([]),
  latency: z
    .strictObject({
      /** Runs of each query per artist. */
      iterations: z.number().int().min(1).max(10_000).default(30),
      /** How many artists each query is run as. */
      artists: z.number().int().min(1).max(50).default(3),
      /** The platform of the 30-day metric series. */
      platform: z.string().min(1).default('spotify'),
      /** p95 budgets in ms: "default" and per query name. */
      budgets: z.record(z.string(), budget).default({}),
      /** When the target holds fewer artists with recent metrics than this, seed inside the audit's transaction. */
      seedArtists: z.number().int().min(1).max(10_000).default(50),
      /** Days of metrics per seeded artist. */
      seedDays: z.number().int().min(30).max(3_650).default(120),
    })
    .default({ iterations: 30, artists: 3, platform: 'spotify', budgets: {}, seedArtists: 50, seedDays: 120 }),
});

export type AuditConfig = z.output<typeof auditConfigSchema>;

/** The section with every default filled in (for a config file without `audit`). */
export function auditSettings(input: z.input<typeof auditConfigSchema> | AuditConfig | undefined): AuditConfig {
  return auditConfigSchema.parse(input ?? {});
}

export const DEFAULT_BUDGET_MS = 200;
