/**
 * `dreamdb db diff`: resolve both endpoints (a shadow for `migrations`), diff them, and with a
 * name write the result as the next migration file and lint it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { migrateSettings, type Context } from '../context.js';
import { lintOffline } from '../lint/run.js';
import type { LintReport } from '../lint/model.js';
import { newMigration } from '../migrate/new.js';
import { diffDatabases, type SchemaDiff } from './engine.js';
import { describeEndpoint, parseEndpoint, withEndpoint, type Endpoint } from './shadow.js';

export interface DiffRunOptions {
  from?: string;
  to?: string;
  /** Write the difference as a new migration with this name. */
  file?: string;
  schemas?: string[];
}

export interface DiffRunResult {
  from: string;
  to: string;
  diff: SchemaDiff;
  /** The migration written with -f (none when there was no difference). */
  written: { path: string; version: string } | null;
  /** The migration lint's report on the written file (null without -f). */
  lint: LintReport | null;
}

export async function runDiff(ctx: Context, options: DiffRunOptions): Promise<DiffRunResult> {
  const from = parseEndpoint(options.from ?? 'migrations');
  const to = parseEndpoint(options.to ?? 'local');
  const progress = (m: string) => ctx.out.info(m);
  const near = (other: Endpoint) => (other.kind === 'url' ? { near: other.url } : {});
  const diff = await withEndpoint(ctx, from, { onProgress: progress, ...near(to) }, (fromUrl) =>
    withEndpoint(ctx, to, { onProgress: progress, ...near(from) }, (toUrl) =>
      diffDatabases(fromUrl, toUrl, { schemas: options.schemas }),
    ),
  );
  let written: DiffRunResult['written'] = null;
  let lint: LintReport | null = null;
  if (options.file && diff.sql) {
    written = await writeMigration(ctx, options.file, diff);
    // Judged as the next deploy after every earlier file, as `dreamdb migration lint <file>` does.
    lint = await lintOffline(path.resolve(ctx.cwd, migrateSettings(ctx).dir), ctx.cwd, [written.path]);
  }
  return { from: describeEndpoint(from), to: describeEndpoint(to), diff, written, lint };
}

/** The next migration file (the header `migration new` writes), with the diff as its body. */
export async function writeMigration(
  ctx: Context,
  name: string,
  diff: SchemaDiff,
): Promise<{ path: string; version: string }> {
  const created = await newMigration(ctx, name, { noTransaction: !diff.transactional });
  const file = path.resolve(ctx.cwd, created.path);
  // pg-delta's `set local` only means something inside the file's transaction.
  const body = diff.transactional ? diff.sql : diff.sql.replace(/^set local /gm, 'set ');
  await fs.appendFile(file, body);
  return { path: created.path, version: created.version };
}
