/** The buckets the app declares: storage.buckets in the config, else storage.bucketsFile, else sql/storage/buckets.json. */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { bucketsFileSchema, type Bucket } from '../config/storage.js';
import { formatZodIssues } from '../config/values.js';

export interface Declared {
  buckets: Bucket[];
  source: string;
}

export async function loadDeclaredBuckets(ctx: Context): Promise<Declared> {
  const config = ctx.config.storage;
  if (config?.buckets) return { buckets: config.buckets, source: 'config storage.buckets' };
  const configured = config?.bucketsFile;
  let file = configured ? path.resolve(ctx.cwd, configured) : path.join(ctx.cwd, 'sql', 'storage', 'buckets.json');
  if (!configured && !existsSync(file)) file = path.join(packageRoot, 'sql', 'storage', 'buckets.json');
  const shown = path.relative(ctx.cwd, file) || file;
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(
      missing ? `No bucket declarations at ${shown}.` : `${shown} is not valid JSON: ${(error as Error).message}`,
      {
        hint: missing
          ? 'Create it, or declare storage.buckets in dreamdb.config.json.'
          : 'Fix the syntax; JSON allows no comments or trailing commas.',
      },
    );
  }
  const parsed = bucketsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error.issues, { prefix: shown });
    throw new UsageError(`Invalid bucket declarations: ${problems[0]}`, {
      details: problems.length > 1 ? problems : [],
      hint: 'The format is in docs/storage.md.',
    });
  }
  return { buckets: parsed.data.buckets, source: shown };
}
