/**
 * Where buckets are read and changed: SQL on storage.buckets (works on Supabase and on the base),
 * or the Storage API (supabase-js) when storage.projectUrl and a service key are set.
 */
import type postgres from 'postgres';
import { withTarget, type Context } from '../context.js';
import { withDb, type Sql } from '../db/connect.js';
import { isPgError } from '../db/pg-errors.js';
import { packagedSql } from '../db/queries.js';
import { DreamdbError, NotMigratedError, UsageError } from '../errors.js';
import type { BucketChange, BucketState } from '../plan/storage.js';

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
      const rows = await sql.unsafe<
        {
          id: string;
          public: boolean | null;
          file_size_limit: string | null;
          allowed_mime_types: string[] | null;
          objects: number;
          bytes: string;
        }[]
      >(packagedSql('storage/buckets.sql'));
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
      await sql
        .begin((tx) => applySql(tx, changes))
        .catch((error: unknown) => {
          if (error instanceof DreamdbError || !isPgError(error)) throw error;
          // Hosted Supabase blocks direct deletes on storage tables (the files would be orphaned).
          throw new DreamdbError(`Changing storage.buckets failed, nothing was changed: ${(error as Error).message}`, {
            hint: 'Sync through the Storage API instead: set storage.projectUrl and export SUPABASE_SERVICE_ROLE_KEY.',
            cause: error,
          });
        });
    },
    async policies() {
      const rows = await sql.unsafe<{ policyname: string }[]>(packagedSql('storage/object_policies.sql'));
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
        throw new DreamdbError(`Bucket ${c.current.id} is no longer empty; nothing was changed.`, {
          hint: 'Run dreamdb storage sync --prune again to see the new plan.',
        });
      }
    }
  }
}

async function requireStorageSchema(sql: Sql): Promise<void> {
  const [row] = await sql.unsafe<{ ok: boolean }[]>(packagedSql('storage/has_schema.sql'));
  if (!row?.ok)
    throw new NotMigratedError('storage schema (storage.buckets, storage.objects)', {
      detail: 'it installs the Supabase-compatible base on plain PostgreSQL',
    });
}

interface ApiBucket {
  id: string;
  public: boolean;
  file_size_limit?: number | null;
  allowed_mime_types?: string[] | null;
}

interface StorageApi {
  listBuckets(): Promise<{ data: ApiBucket[] | null; error: { message: string } | null }>;
  createBucket(
    id: string,
    options: { public: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null },
  ): Promise<{ error: { message: string } | null }>;
  updateBucket(
    id: string,
    options: { public: boolean; fileSizeLimit?: number | string | null; allowedMimeTypes?: string[] | null },
  ): Promise<{ error: { message: string } | null }>;
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
    new DreamdbError(`Storage API (${projectUrl}): ${what} failed: ${error.message}`, {
      hint: 'Check storage.projectUrl and the service-role key; the key must be the service_role one.',
    });
  return {
    via: 'api',
    where: projectUrl,
    production,
    async list() {
      const { data, error } = await storage.listBuckets();
      if (error) throw fail('listing buckets', error);
      return (data ?? [])
        .map((b) => ({
          id: b.id,
          public: Boolean(b.public),
          fileSizeLimit: b.file_size_limit ?? null,
          allowedMimeTypes: b.allowed_mime_types ?? null,
          objects: null,
          bytes: null,
        }))
        .sort((x, y) => x.id.localeCompare(y.id));
    },
    async apply(changes) {
      // The API has no transaction: changes go one by one, and the first failure stops the run.
      for (const c of changes) {
        if (c.action === 'create' || c.action === 'update') {
          const b = c.bucket;
          const options = { public: b.public, fileSizeLimit: b.fileSizeLimit, allowedMimeTypes: b.allowedMimeTypes };
          const { error } =
            c.action === 'create'
              ? await storage.createBucket(b.id, options)
              : await storage.updateBucket(b.id, options);
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
export async function withStorage<T>(
  ctx: Context,
  options: StorageOptions,
  fn: (backend: StorageBackend) => Promise<T>,
): Promise<T> {
  const config = ctx.config.storage;
  const via = options.via ?? (config?.projectUrl ? 'api' : 'sql');
  if (via === 'api') {
    if (!config?.projectUrl)
      throw new UsageError('--via api needs storage.projectUrl in the config.', {
        hint: 'Set storage.projectUrl to https://<project-ref>.supabase.co, or use --via sql.',
      });
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
  return withTarget(ctx, (target) =>
    withDb(target.url, (sql) => fn(sqlBackend(sql, target.display, target.production))),
  );
}
