/**
 * The `storage` section of dreamdb.config.json (strict: unknown keys are errors), and the bucket
 * declaration format shared with sql/storage/buckets.json.
 */
import { z } from 'zod';

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1_000,
  MB: 1_000_000,
  GB: 1_000_000_000,
  KIB: 1_024,
  MIB: 1_024 ** 2,
  GIB: 1_024 ** 3,
};

/**
 * A size in bytes, or "5MiB" / "5MB". KB/MB/GB are decimal, as the Supabase Storage API reads
 * them; KiB/MiB/GiB are binary (the draft's 5 * 1024 * 1024 is "5MiB").
 */
export const byteSize = z
  .union([
    z.number().int().positive(),
    z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)$/i, 'expected bytes, or a size like "5MiB" or "100MB"'),
  ])
  .transform((value) => {
    if (typeof value === 'number') return value;
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(value)!;
    return Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
  });

/** A MIME type (image/png) or a whole type (image/ and a star), as the Storage API matches them. */
const mimeType = z
  .string()
  .regex(
    /^(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$/,
    'expected a MIME type like "image/png" or "video/*"',
  );

export const bucketSchema = z.strictObject({
  /** The bucket id (also its name), as Supabase allows it: no slash, at most 100 characters. */
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9_!.*'() &$@=;:+,?-]{1,100}$/,
      'expected a bucket name of letters, digits and _-.!*\'()&$@=;:+,? (no "/")',
    ),
  public: z.boolean(),
  /** Largest file the Storage API accepts; null for no limit beyond the project's. */
  fileSizeLimit: byteSize.nullable().default(null),
  /** MIME types the Storage API accepts; null for any. */
  allowedMimeTypes: z.array(mimeType).min(1).nullable().default(null),
});

export type BucketInput = z.input<typeof bucketSchema>;
export type Bucket = z.output<typeof bucketSchema>;

export const bucketsSchema = z.array(bucketSchema).superRefine((buckets, ctx) => {
  const seen = new Set<string>();
  buckets.forEach((b, i) => {
    if (seen.has(b.id))
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `bucket "${b.id}" is declared twice` });
    seen.add(b.id);
  });
});

/** sql/storage/buckets.json */
export const bucketsFileSchema = z.strictObject({
  $schema: z.string().optional(),
  buckets: bucketsSchema,
});

export const storageConfigSchema = z
  .strictObject({
    /** Buckets declared here replace the file's. */
    buckets: bucketsSchema.optional(),
    /** The declaration file, relative to the working directory. Default: sql/storage/buckets.json. */
    bucketsFile: z.string().min(1).optional(),
    /** https://<ref>.supabase.co: sync through the Storage API (supabase-js) instead of SQL. */
    projectUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** The environment variable holding the service-role key (never the key itself). */
    serviceKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
      .default('SUPABASE_SERVICE_ROLE_KEY'),
  })
  .refine((s) => !(s.buckets && s.bucketsFile), { message: 'declare buckets or bucketsFile, not both' });
