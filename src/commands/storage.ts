/**
 * `dreamdb storage sync | list`: the app's buckets, declared in sql/storage/buckets.json (or the
 * config), brought in line through SQL on storage.buckets (works on Supabase and on the base) or
 * through the Storage API (supabase-js) when storage.projectUrl and a service key are set.
 * Plan → show → confirm → apply; undeclared buckets are only removed with --prune, confirmed.
 * The policies on storage.objects live in a migration (20261125100200_storage_buckets_and_policies).
 */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { withTarget, type Context } from '../context.js';
import type postgres from 'postgres';
import { withDb, type Sql } from '../db/connect.js';
import { isPgError } from '../db/sqlfile.js';
import { CancelledError, DreamdbError, UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { style } from '../ui/output.js';
import { bucketsFileSchema, type Bucket } from '../config/storage.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';
import { planBuckets, type BucketChange, type BucketField, type BucketPlan, type BucketState } from '../plan/storage.js';

export { planBuckets, type BucketChange, type BucketField, type BucketPlan, type BucketState } from '../plan/storage.js';

export interface Declared {
  buckets: Bucket[];
  source: string;
}

/** storage.buckets in the config, else storage.bucketsFile, else sql/storage/buckets.json. */
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
    throw new UsageError(missing ? `No bucket declarations at ${shown}.` : `${shown} is not valid JSON: ${(error as Error).message}`, {
      hint: missing ? 'Create it, or declare storage.buckets in dreamdb.config.json.' : 'Fix the syntax; JSON allows no comments or trailing commas.',
    });
  }
  const parsed = bucketsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${shown}: ${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')}: ${i.message}`);
    throw new UsageError(`Invalid bucket declarations: ${problems[0]}`, { details: problems.length > 1 ? problems : [], hint: 'The format is in docs/storage.md.' });
  }
  return { buckets: parsed.data.buckets, source: shown };
}

// Backends --------------------------------------------------------------------------------------

export interface StorageBackend {
  via: 'sql' | 'api';
  /** Where it points (redacted). */
  where: string;
  production: boolean;
  list(): Promise<BucketState[]>;
  /** Applies create/update/prune changes; SQL does it in one transaction. */
  apply(changes: BucketChange[]): Promise<void>;
  /** The policies on storage.objects; null when the backend cannot see them (the API). */
  policies(): Promise<string[] | null>;
}

export function sqlBackend(sql: Sql, where: string, production: boolean): StorageBackend {
  return {
    via: 'sql',
    where,
    production,
    async list() {
      await requireStorageSchema(sql);
      const rows = await sql<{ id: string; public: boolean | null; file_size_limit: string | null; allowed_mime_types: string[] | null; objects: number; bytes: string }[]>`
        select b.id, b.public, b.file_size_limit::text, b.allowed_mime_types,
               count(o.id)::int as objects, coalesce(sum((o.metadata ->> 'size')::bigint), 0)::text as bytes
        from storage.buckets b left join storage.objects o on o.bucket_id = b.id
        group by b.id order by b.id`;
      return rows.map((r) => ({
        id: r.id,
        public: Boolean(r.public),
        fileSizeLimit: r.file_size_limit === null ? null : Number(r.file_size_limit),
        allowedMimeTypes: r.allowed_mime_types,
        objects: r.objects,
        bytes: Number(r.bytes),
      }));
    },
    async apply(changes) {
      await sql.begin((tx) => applySql(tx, changes)).catch((error: unknown) => {
        if (error instanceof DreamdbError || !isPgError(error)) throw error;
        // Hosted Supabase blocks direct deletes on storage tables (the files would be orphaned).
        throw new DreamdbError(`Changing storage.buckets failed, nothing was changed: ${(error as Error).message}`, {
          hint: 'Sync through the Storage API instead: set storage.projectUrl and export SUPABASE_SERVICE_ROLE_KEY.',
          cause: error,
        });
      });
    },
    async policies() {
      const rows = await sql<{ policyname: string }[]>`select policyname from pg_policies where schemaname = 'storage' and tablename = 'objects' order by policyname`;
      return rows.map((r) => r.policyname);
    },
  };
}

/** create / update / prune on storage.buckets, in the caller's transaction. */
async function applySql(tx: postgres.TransactionSql<Record<string, unknown>>, changes: BucketChange[]): Promise<void> {
  for (const c of changes) {
    if (c.action === 'create') {
      const b = c.bucket;
      await tx`insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
               values (${b.id}, ${b.id}, ${b.public}, ${b.fileSizeLimit}, ${b.allowedMimeTypes})`;
    } else if (c.action === 'update') {
      const b = c.bucket;
      await tx`update storage.buckets set public = ${b.public}, file_size_limit = ${b.fileSizeLimit},
                 allowed_mime_types = ${b.allowedMimeTypes}, updated_at = now()
               where id = ${b.id}`;
    } else if (c.action === 'prune') {
      // Only while it is still empty: an upload since the plan keeps the bucket.
      const result = await tx`delete from storage.buckets b where b.id = ${c.current.id}
                                and not exists (select 1 from storage.objects o where o.bucket_id = b.id)`;
      if (result.count !== 1) {
        throw new DreamdbError(`Bucket ${c.current.id} is no longer empty; nothing was changed.`, { hint: 'Run dreamdb storage sync --prune again to see the new plan.' });
      }
    }
  }
}

async function requireStorageSchema(sql: Sql): Promise<void> {
  const [row] = await sql<{ ok: boolean }[]>`select to_regclass('storage.buckets') is not null and to_regclass('storage.objects') is not null as ok`;
  if (!row?.ok) throw new UsageError('The target has no storage schema (storage.buckets, storage.objects).', { hint: 'Run dreamdb migrate first (it installs the Supabase-compatible base on plain Postgres).' });
}

interface ApiBucket {
  id: string;
  public: boolean;
  file_size_limit?: number | null;
  allowed_mime_types?: string[] | null;
}

interface StorageApi {
  listBuckets(): Promise<{ data: ApiBucket[] | null; error: { message: string } | null }>;
  createBucket(id: string, options: { public: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null }): Promise<{ error: { message: string } | null }>;
  updateBucket(id: string, options: { public: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null }): Promise<{ error: { message: string } | null }>;
  deleteBucket(id: string): Promise<{ error: { message: string } | null }>;
}

class NoRealtime {
  constructor() {
    throw new Error('dreamdb does not use Supabase Realtime');
  }
}

export async function apiBackend(projectUrl: string, serviceKey: string, production: boolean): Promise<StorageBackend> {
  const { createClient } = await import('@supabase/supabase-js');
  // supabase-js builds a Realtime client eagerly, and on Node 20 (no global WebSocket) that throws
  // unless a transport is given. We never subscribe: a transport that refuses to open is enough.
  const client = createClient(projectUrl, serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: NoRealtime as never },
  });
  const storage = client.storage as unknown as StorageApi;
  const fail = (what: string, error: { message: string }) =>
    new DreamdbError(`Storage API (${projectUrl}): ${what} failed: ${error.message}`, { hint: 'Check storage.projectUrl and the service-role key; the key must be the service_role one.' });
  return {
    via: 'api',
    where: projectUrl,
    production,
    async list() {
      const { data, error } = await storage.listBuckets();
      if (error) throw fail('listing buckets', error);
      return (data ?? [])
        .map((b) => ({ id: b.id, public: Boolean(b.public), fileSizeLimit: b.file_size_limit ?? null, allowedMimeTypes: b.allowed_mime_types ?? null, objects: null, bytes: null }))
        .sort((x, y) => x.id.localeCompare(y.id));
    },
    async apply(changes) {
      // The API has no transaction: changes go one by one, and the first failure stops the run.
      for (const c of changes) {
        if (c.action === 'create' || c.action === 'update') {
          const b = c.bucket;
          const options = { public: b.public, fileSizeLimit: b.fileSizeLimit, allowedMimeTypes: b.allowedMimeTypes };
          const { error } = c.action === 'create' ? await storage.createBucket(b.id, options) : await storage.updateBucket(b.id, options);
          if (error) throw fail(`${c.action} ${b.id}`, error);
        } else if (c.action === 'prune') {
          const { error } = await storage.deleteBucket(c.current.id);
          if (error) throw fail(`delete ${c.current.id}`, error);
        }
      }
    },
    policies: async () => null,
  };
}

export interface StorageOptions {
  /** Force the path: SQL on the target database, or the Storage API. Default: api when storage.projectUrl is set. */
  via?: 'sql' | 'api';
}

/** Runs fn with the backend the options and config choose. */
export async function withStorage<T>(ctx: Context, options: StorageOptions, fn: (backend: StorageBackend) => Promise<T>): Promise<T> {
  const config = ctx.config.storage;
  const via = options.via ?? (config?.projectUrl ? 'api' : 'sql');
  if (via === 'api') {
    if (!config?.projectUrl) throw new UsageError('--via api needs storage.projectUrl in the config.', { hint: 'Set storage.projectUrl to https://<project-ref>.supabase.co, or use --via sql.' });
    const keyEnv = config.serviceKeyEnv;
    const key = ctx.env[keyEnv];
    if (!key) {
      throw new UsageError(`storage.projectUrl is set, but ${keyEnv} (the service-role key) is not.`, {
        hint: `export ${keyEnv}=<service_role key> (never put it in the config), or pass --via sql to use the database.`,
      });
    }
    const label = ctx.env.DREAMDB_LABEL ?? ctx.config.db?.label;
    return fn(await apiBackend(config.projectUrl, key, label === 'production'));
  }
  return withTarget(ctx, (target) => withDb(target.url, (sql) => fn(sqlBackend(sql, target.display, target.production))));
}

// sync ------------------------------------------------------------------------------------------

export interface SyncOptions extends StorageOptions {
  dryRun?: boolean;
  prune?: boolean;
}

export interface SyncResult {
  via: 'sql' | 'api';
  target: string;
  source: string;
  dryRun: boolean;
  applied: boolean;
  changes: BucketChange[];
}

export async function storageSync(ctx: Context, options: SyncOptions = {}): Promise<SyncResult> {
  const declared = await loadDeclaredBuckets(ctx);
  return withStorage(ctx, options, async (backend) => {
    const plan = planBuckets(declared.buckets, await backend.list(), { prune: options.prune });
    const result: SyncResult = { via: backend.via, target: backend.where, source: declared.source, dryRun: Boolean(options.dryRun), applied: false, changes: plan.changes };
    if (options.dryRun || plan.pending === 0) return result;
    const blocked = plan.changes.filter((c): c is Extract<BucketChange, { action: 'blocked' }> => c.action === 'blocked');
    if (blocked.length) {
      throw new DreamdbError(`Cannot prune ${blocked.map((b) => `${b.current.id} (${b.reason})`).join(', ')}; nothing was changed.`, {
        hint: 'Empty the bucket first (Storage API or dashboard: deleting rows in SQL would orphan the files), or run without --prune.',
      });
    }
    await confirmSync(ctx, backend, plan);
    await backend.apply(plan.changes);
    return { ...result, applied: true };
  });
}

async function confirmSync(ctx: Context, backend: StorageBackend, plan: BucketPlan): Promise<void> {
  if (ctx.flags.yes) return;
  const prunes = plan.changes.filter((c) => c.action === 'prune').map((c) => (c as { current: BucketState }).current.id);
  if (backend.production) {
    ctx.out.info(renderChanges(plan.changes).join('\n'));
    const expected = backend.via === 'api' ? new URL(backend.where).hostname.split('.')[0]! : new URL(backend.where.replace(/ \(embedded\)$/, '')).pathname.replace(/^\//, '') || 'postgres';
    if (!(await ctx.out.confirmTyped(`Change ${plan.pending} bucket(s) on PRODUCTION (${backend.where}).`, expected))) throw new CancelledError('Not confirmed; nothing was changed.');
    return;
  }
  if (!prunes.length) return;
  const message = `Delete the undeclared bucket${prunes.length > 1 ? 's' : ''} ${prunes.join(', ')} (${backend.where})?`;
  ctx.out.info(renderChanges(plan.changes).join('\n'));
  await ctx.out.confirmOrCancel(message, { hint: 'Pass --yes to prune non-interactively.', declined: 'Not confirmed; nothing was changed.' });
}

// list ------------------------------------------------------------------------------------------

export interface ListedBucket extends BucketState {
  declared: boolean;
}

export interface ListResult {
  via: 'sql' | 'api';
  target: string;
  buckets: ListedBucket[];
  /** Names of the policies on storage.objects (SQL only). */
  policies: string[] | null;
}

export async function storageList(ctx: Context, options: StorageOptions = {}): Promise<ListResult> {
  let declaredIds = new Set<string>();
  try {
    declaredIds = new Set((await loadDeclaredBuckets(ctx)).buckets.map((b) => b.id));
  } catch {
    // Listing works without declarations; the column just says nothing is declared.
  }
  return withStorage(ctx, options, async (backend) => {
    const buckets = (await backend.list()).map((b) => ({ ...b, declared: declaredIds.has(b.id) }));
    return { via: backend.via, target: backend.where, buckets, policies: await backend.policies() };
  });
}

// Rendering -------------------------------------------------------------------------------------

export function formatBytes(n: number | null): string {
  if (n === null) return 'no limit';
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  for (const [unit, size] of [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n.toLocaleString('en-US')} B`;
}

function describe(b: Bucket): string {
  return `${b.public ? 'public ' : 'private'}  ${formatBytes(b.fileSizeLimit).padEnd(8)}  ${b.allowedMimeTypes?.join(', ') ?? 'any type'}`;
}

const FIELD_LABEL: Record<BucketField, string> = { public: 'public', fileSizeLimit: 'file size limit', allowedMimeTypes: 'allowed types' };

function fieldValue(b: Bucket, f: BucketField): string {
  return f === 'public' ? String(b.public) : f === 'fileSizeLimit' ? formatBytes(b.fileSizeLimit) : (b.allowedMimeTypes?.join(', ') ?? 'any');
}

export function renderChanges(changes: BucketChange[]): string[] {
  return changes.map((c) => {
    switch (c.action) {
      case 'create':
        return `  ${style.green('+ create   ')} ${c.bucket.id.padEnd(16)} ${describe(c.bucket)}`;
      case 'update':
        return `  ${style.yellow('~ update   ')} ${c.bucket.id.padEnd(16)} ${c.fields.map((f) => `${FIELD_LABEL[f]}: ${fieldValue(c.current, f)} → ${fieldValue(c.bucket, f)}`).join('; ')}`;
      case 'unchanged':
        return `  ${style.dim('= unchanged')} ${c.bucket.id.padEnd(16)} ${style.dim(describe(c.bucket))}`;
      case 'prune':
        return `  ${style.red('- delete   ')} ${c.current.id.padEnd(16)} not declared${c.current.objects === 0 ? ', empty' : ''}`;
      case 'undeclared':
        return `  ${style.yellow('? undeclared')} ${c.current.id.padEnd(15)} kept (--prune deletes buckets that are not declared)`;
      case 'blocked':
        return `  ${style.red('! blocked  ')} ${c.current.id.padEnd(16)} not declared, but ${c.reason}: not deleted`;
    }
  });
}

export function renderSync(r: SyncResult): string[] {
  const pending = r.changes.filter((c) => c.action === 'create' || c.action === 'update' || c.action === 'prune').length;
  const head = r.dryRun
    ? `Plan for ${r.target} (via ${r.via}, declared in ${r.source}):`
    : r.applied
      ? `Synced buckets on ${r.target} (via ${r.via}, declared in ${r.source}):`
      : `Buckets on ${r.target} match ${r.source}:`;
  const lines = [head, ...renderChanges(r.changes)];
  if (r.dryRun) lines.push(pending ? `${pending} change(s); run without --dry-run to apply.` : 'Nothing to change.');
  return lines;
}

export function renderList(r: ListResult): string[] {
  const lines = [`Buckets on ${r.target} (via ${r.via}):`];
  if (!r.buckets.length) lines.push(style.dim('  none'));
  for (const b of r.buckets) {
    const count = b.objects === null ? 'objects: unknown via the API' : `${b.objects.toLocaleString('en-US')} object${b.objects === 1 ? '' : 's'}, ${formatBytes(b.bytes ?? 0).replace('no limit', '0 B')}`;
    lines.push(`  ${b.id.padEnd(16)} ${describe(b)}  ${style.dim(count)}${b.declared ? '' : style.yellow('  (not declared)')}`);
  }
  if (r.policies) lines.push(style.dim(`Policies on storage.objects: ${r.policies.length ? r.policies.join(', ') : 'none'}`));
  return lines;
}

export function registerStorage(program: Command): void {
  const storage = program.command('storage').description('the app\'s storage buckets: sync them with their declarations, list them');
  const via = new Option('--via <path>', 'sql (storage.buckets on the target database) or api (Supabase Storage API); default: api when storage.projectUrl is set').choices(['sql', 'api']);
  storage
    .command('sync')
    .description('create or update the declared buckets (sql/storage/buckets.json); --prune deletes undeclared ones')
    .option('--dry-run', 'show the plan and change nothing')
    .option('--prune', 'also delete buckets that are not declared (empty ones only; asks first)')
    .addOption(via)
    .addHelpText('after', `${TARGET_HELP}
Declarations: storage.buckets in the config, else storage.bucketsFile, else sql/storage/buckets.json.
Through SQL, all changes run in one transaction. Through the API (storage.projectUrl set), the
service-role key comes from the environment variable storage.serviceKeyEnv
(default SUPABASE_SERVICE_ROLE_KEY), never from the config. --prune asks before deleting
(--yes to skip; without a terminal it exits 2) and never deletes a bucket that holds objects.
Production targets ask for typed confirmation.
${EXIT_CODES}`)
    .action(
      action(async (ctx, opts: { dryRun?: boolean; prune?: boolean; via?: 'sql' | 'api' }) => {
        const result = await storageSync(ctx, { dryRun: opts.dryRun, prune: opts.prune, via: opts.via });
        ctx.out.result(result, () => renderSync(result));
      }),
    );
  storage
    .command('list')
    .description('buckets with their limits and object counts, and the policies on storage.objects')
    .addOption(new Option('--via <path>', 'sql or api (see storage sync --help)').choices(['sql', 'api']))
    .addHelpText('after', `${TARGET_HELP}\n${EXIT_CODES}`)
    .action(
      action(async (ctx, opts: { via?: 'sql' | 'api' }) => {
        const result = await storageList(ctx, { via: opts.via });
        ctx.out.result(result, () => renderList(result));
      }),
    );
}
