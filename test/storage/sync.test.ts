/**
 * dreamdb storage sync / list: the pure planner, the declarations, SQL on storage.buckets, and the
 * Storage API path through supabase-js against a small stand-in of the Storage API's bucket
 * endpoints (backed by the same test database, so what it stores is checked in SQL).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadDeclaredBuckets,
  planBuckets,
  renderList,
  renderSync,
  storageList,
  storageSync,
  type BucketState,
} from '../../src/storage/index.js';
import { byteSize, type Bucket } from '../../src/config/storage.js';
import type { Sql } from '../../src/db/connect.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { testContext } from '../seed/helpers.js';

const declared = (id: string, over: Partial<Bucket> = {}): Bucket => ({
  id,
  public: false,
  fileSizeLimit: 1000,
  allowedMimeTypes: ['image/png'],
  ...over,
});
const state = (b: Bucket, objects: number | null = 0): BucketState => ({
  ...b,
  objects,
  bytes: objects === null ? null : 0,
});

describe('planBuckets', () => {
  it('creates, updates, keeps, and prunes only when asked and only empty buckets', () => {
    const want = [
      declared('a'),
      declared('b', { public: true }),
      declared('c', { allowedMimeTypes: ['image/png', 'image/jpeg'] }),
    ];
    const have = [
      state(declared('b')),
      state(declared('c', { allowedMimeTypes: ['image/jpeg', 'image/png'] })),
      state(declared('old')),
      state(declared('full'), 3),
    ];
    const keep = planBuckets(want, have);
    expect(keep.changes.map((c) => [c.action, 'bucket' in c ? c.bucket.id : c.current.id])).toEqual([
      ['create', 'a'],
      ['update', 'b'],
      ['unchanged', 'c'],
      ['undeclared', 'full'],
      ['undeclared', 'old'],
    ]);
    expect(keep.changes[1]).toMatchObject({ fields: ['public'] });
    expect(keep.pending).toBe(2);
    const prune = planBuckets(want, have, { prune: true });
    expect(prune.changes.slice(3).map((c) => c.action)).toEqual(['blocked', 'prune']);
    expect(prune.pending).toBe(3);
    // The Storage API does not count objects: pruning is left to its own refusal.
    expect(planBuckets([], [state(declared('x'), null)], { prune: true }).changes[0]!.action).toBe('prune');
    expect(planBuckets(want, [...want.map((b) => state(b))]).pending).toBe(0);
  });

  it('notices a limit or the MIME list changing, including to and from "no limit"', () => {
    const plan = planBuckets([declared('a', { fileSizeLimit: null, allowedMimeTypes: null })], [state(declared('a'))]);
    expect(plan.changes[0]).toMatchObject({ action: 'update', fields: ['fileSizeLimit', 'allowedMimeTypes'] });
  });
});

describe('declarations', () => {
  it("reads sizes the way Supabase does, with binary units for the draft's sizes", () => {
    expect(byteSize.parse('5MB')).toBe(5_000_000);
    expect(byteSize.parse('5MiB')).toBe(5 * 1024 * 1024);
    expect(byteSize.parse('1.5 GB')).toBe(1_500_000_000);
    expect(byteSize.parse(1024)).toBe(1024);
    expect(byteSize.safeParse('5 megabytes').success).toBe(false);
  });

  it('ships the three buckets of the draft', async () => {
    const { ctx } = await testContext('postgresql://unused@127.0.0.1:1/x');
    const d = await loadDeclaredBuckets(ctx);
    expect(d.source).toBe(path.join('sql', 'storage', 'buckets.json'));
    expect(d.buckets).toEqual([
      {
        id: 'avatars',
        public: true,
        fileSizeLimit: 5_242_880,
        allowedMimeTypes: ['image/jpeg', 'image/png', 'image/webp'],
      },
      {
        id: 'content-uploads',
        public: false,
        fileSizeLimit: 104_857_600,
        allowedMimeTypes: ['image/*', 'video/*', 'audio/*'],
      },
      {
        id: 'thumbnails',
        public: true,
        fileSizeLimit: 1_048_576,
        allowedMimeTypes: ['image/jpeg', 'image/png', 'image/webp'],
      },
    ]);
  });

  it('names the file and the path of a bad declaration', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-buckets-'));
    await fs.mkdir(path.join(dir, 'sql/storage'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'sql/storage/buckets.json'),
      JSON.stringify({
        buckets: [
          { id: 'a', public: true },
          { id: 'a/b', public: 'yes', allowedMimeTypes: ['png'] },
        ],
      }),
    );
    const { ctx } = await testContext('postgresql://unused@127.0.0.1:1/x', { cwd: dir });
    const error = await loadDeclaredBuckets(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toMatch(
      /^Invalid bucket declarations: sql\/storage\/buckets\.json: buckets\[1\]\.id: expected a bucket name/,
    );
    expect((error as { details: string[] }).details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/buckets\[1\]\.public: /),
        expect.stringMatching(/buckets\[1\]\.allowedMimeTypes\[0\]: expected a MIME type/),
      ]),
    );
    await fs.rm(dir, { recursive: true, force: true });
  });
});

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('storagesync');
});
afterAll(async () => db?.drop());

async function buckets(sql: Sql) {
  return sql<{ id: string; public: boolean; file_size_limit: string | null; allowed_mime_types: string[] | null }[]>`
    select id, public, file_size_limit::text, allowed_mime_types from storage.buckets order by id`;
}

describe('storage sync through SQL', () => {
  it('finds nothing to do on a freshly migrated database: the migration and the declarations agree', async () => {
    const { ctx } = await testContext(db.url);
    const r = await storageSync(ctx);
    expect(r.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(r.applied).toBe(false);
    expect(renderSync(r).join('\n')).toMatch(/match sql\/storage\/buckets\.json/);
  });

  it('plans with --dry-run and changes nothing', async () => {
    await db.sql`delete from storage.buckets where id = 'avatars'`;
    await db.sql`update storage.buckets set file_size_limit = 5000000, allowed_mime_types = '{image/gif}' where id = 'thumbnails'`;
    await db.sql`insert into storage.buckets (id, name, public) values ('legacy', 'legacy', true)`;
    const before = await buckets(db.sql);
    const { ctx } = await testContext(db.url);
    const r = await storageSync(ctx, { dryRun: true, prune: true });
    expect(r.changes.map((c) => c.action)).toEqual(['create', 'unchanged', 'update', 'prune']);
    expect(renderSync(r).join('\n')).toMatch(
      /thumbnails\s+file size limit: 5 MB → 1 MiB; allowed types: image\/gif → image\/jpeg, image\/png, image\/webp/,
    );
    expect(await buckets(db.sql)).toEqual(before);
  });

  it('creates and updates, keeps undeclared buckets without --prune', async () => {
    const { ctx } = await testContext(db.url);
    const r = await storageSync(ctx);
    expect(r.applied).toBe(true);
    expect(r.changes.map((c) => c.action)).toEqual(['create', 'unchanged', 'update', 'undeclared']);
    const rows = await buckets(db.sql);
    expect(rows.map((b) => b.id)).toEqual(['avatars', 'content-uploads', 'legacy', 'thumbnails']);
    expect(rows.find((b) => b.id === 'thumbnails')).toMatchObject({
      file_size_limit: '1048576',
      allowed_mime_types: ['image/jpeg', 'image/png', 'image/webp'],
    });
    expect(rows.find((b) => b.id === 'avatars')).toMatchObject({ public: true, file_size_limit: '5242880' });
  });

  it('--prune asks first: without a terminal and without --yes it refuses (exit 2)', async () => {
    const { ctx } = await testContext(db.url);
    const error = await storageSync(ctx, { prune: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2, hint: 'Pass --yes to prune non-interactively.' });
    expect((await buckets(db.sql)).map((b) => b.id)).toContain('legacy');
  });

  it('--prune --yes deletes an empty undeclared bucket, never one that holds files', async () => {
    await db.sql`insert into storage.buckets (id, name) values ('full', 'full')`;
    await db.sql`insert into storage.objects (bucket_id, name) values ('full', 'x/y.png')`;
    const { ctx } = await testContext(db.url, { yes: true });
    const blocked = await storageSync(ctx, { prune: true }).catch((e: unknown) => e);
    expect(blocked).toMatchObject({ exitCode: 1 });
    expect((blocked as Error).message).toBe('Cannot prune full (holds 1 object); nothing was changed.');
    expect((await buckets(db.sql)).map((b) => b.id)).toEqual([
      'avatars',
      'content-uploads',
      'full',
      'legacy',
      'thumbnails',
    ]);
    await db.sql`delete from storage.objects where bucket_id = 'full'`;
    const r = await storageSync(ctx, { prune: true });
    expect(r.changes.filter((c) => c.action === 'prune').map((c) => 'current' in c && c.current.id)).toEqual([
      'full',
      'legacy',
    ]);
    expect((await buckets(db.sql)).map((b) => b.id)).toEqual(['avatars', 'content-uploads', 'thumbnails']);
  });

  it('says to use the Storage API when the database refuses a change (hosted Supabase blocks direct deletes)', async () => {
    await db.sql`insert into storage.buckets (id, name) values ('guarded', 'guarded')`;
    await db.sql`create function storage.protect_delete() returns trigger language plpgsql as $$
      begin raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'; end $$`;
    await db.sql`create trigger protect_buckets_delete before delete on storage.buckets for each row execute function storage.protect_delete()`;
    try {
      const { ctx } = await testContext(db.url, { yes: true });
      const error = await storageSync(ctx, { prune: true }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        exitCode: 1,
        hint: expect.stringMatching(/^Sync through the Storage API instead/),
      });
      expect((error as Error).message).toBe(
        'Changing storage.buckets failed, nothing was changed: Direct deletion from storage tables is not allowed. Use the Storage API instead.',
      );
      expect((await buckets(db.sql)).map((b) => b.id)).toContain('guarded');
    } finally {
      await db.sql`drop trigger protect_buckets_delete on storage.buckets`;
      await db.sql`drop function storage.protect_delete()`;
      await db.sql`delete from storage.buckets where id = 'guarded'`;
    }
  });

  it('asks for typed confirmation on a production target', async () => {
    await db.sql`update storage.buckets set public = false where id = 'avatars'`;
    const { ctx } = await testContext(db.url, { env: { DREAMDB_LABEL: 'production' } });
    const error = await storageSync(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toMatch(/on PRODUCTION/);
    const { ctx: yes } = await testContext(db.url, { env: { DREAMDB_LABEL: 'production' }, yes: true });
    expect((await storageSync(yes)).applied).toBe(true);
  });

  it('storage list shows limits, object counts and sizes, undeclared buckets and the policies', async () => {
    await db.sql`insert into storage.buckets (id, name) values ('stray', 'stray')`;
    await db.sql`insert into storage.objects (bucket_id, name, metadata) values
      ('content-uploads', 'a/1.mp3', '{"size": 3000000}'), ('content-uploads', 'a/2.mp3', '{"size": 1000000}')`;
    const { ctx } = await testContext(db.url);
    const r = await storageList(ctx);
    expect(r.buckets.find((b) => b.id === 'content-uploads')).toMatchObject({
      objects: 2,
      bytes: 4_000_000,
      declared: true,
      fileSizeLimit: 104_857_600,
    });
    expect(r.buckets.find((b) => b.id === 'stray')).toMatchObject({ objects: 0, declared: false });
    expect(r.policies).toEqual([
      'Artists delete own files',
      'Artists list own files',
      'Artists replace own files',
      'Artists upload to own folder',
    ]);
    const text = renderList(r).join('\n');
    expect(text).toMatch(/content-uploads\s+private\s+100 MiB\s+image\/\*, video\/\*, audio\/\*\s+2 objects, 4 MB/);
    expect(text).toMatch(/stray .*\(not declared\)/);
  });
});

/** The bucket endpoints of the Supabase Storage API, over the test database. */
function fakeStorageApi(sql: Sql, key: string) {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', async () => {
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      calls.push(`${req.method} ${req.url}`);
      if (req.headers.authorization !== `Bearer ${key}` || req.headers.apikey !== key)
        return send(403, { statusCode: '403', error: 'Unauthorized', message: 'invalid signature' });
      const m = /^\/storage\/v1\/bucket(?:\/([^/?]+))?/.exec(req.url ?? '');
      if (!m) return send(404, { message: 'not found' });
      const id = m[1] ? decodeURIComponent(m[1]) : undefined;
      const b = body
        ? (JSON.parse(body) as {
            id: string;
            public?: boolean;
            file_size_limit?: number | null;
            allowed_mime_types?: string[] | null;
          })
        : undefined;
      try {
        if (req.method === 'GET' && !id)
          return send(
            200,
            await sql`select id, name, owner, public, file_size_limit::int, allowed_mime_types, created_at, updated_at from storage.buckets order by id`,
          );
        if (req.method === 'POST' && !id) {
          await sql`insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values (${b!.id}, ${b!.id}, ${b!.public ?? false}, ${b!.file_size_limit ?? null}, ${b!.allowed_mime_types ?? null})`;
          return send(200, { name: b!.id });
        }
        if (req.method === 'PUT' && id) {
          await sql`update storage.buckets set public = ${b!.public ?? false}, file_size_limit = ${b!.file_size_limit ?? null}, allowed_mime_types = ${b!.allowed_mime_types ?? null} where id = ${id}`;
          return send(200, { message: 'Successfully updated' });
        }
        if (req.method === 'DELETE' && id) {
          const [n] = await sql<
            { n: number }[]
          >`select count(*)::int as n from storage.objects where bucket_id = ${id}`;
          if (n!.n > 0)
            return send(409, {
              statusCode: '409',
              error: 'InvalidRequest',
              message: 'The bucket you tried to delete is not empty',
            });
          await sql`delete from storage.buckets where id = ${id}`;
          return send(200, { message: 'Successfully deleted' });
        }
        return send(405, { message: 'method not allowed' });
      } catch (error) {
        return send(400, { statusCode: '400', error: 'Error', message: (error as Error).message });
      }
    });
  });
  return { server, calls };
}

describe('storage sync through the Storage API (supabase-js)', () => {
  let api: TestDatabase;
  let project: string;
  let fake: ReturnType<typeof fakeStorageApi>;
  const key = 'service-role-key-for-tests';
  beforeAll(async () => {
    api = await migratedDatabase('storageapi');
    fake = fakeStorageApi(api.sql, key);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const port = (fake.server.address() as AddressInfo).port;
    project = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-storage-api-'));
    await fs.writeFile(
      path.join(project, 'dreamdb.config.json'),
      JSON.stringify({ storage: { projectUrl: `http://127.0.0.1:${port}` } }),
    );
    await fs.cp(path.resolve('sql/storage'), path.join(project, 'sql/storage'), { recursive: true });
  });
  afterAll(async () => {
    await new Promise((resolve) => fake?.server.close(resolve));
    await api?.drop();
    if (project) await fs.rm(project, { recursive: true, force: true });
  });

  it('needs the service key from the environment, and says which variable', async () => {
    const { ctx } = await testContext(api.url, { cwd: project });
    const error = await storageSync(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toBe(
      'storage.projectUrl is set, but SUPABASE_SERVICE_ROLE_KEY (the service-role key) is not.',
    );
    expect(fake.calls).toEqual([]);
  });

  it('creates, updates and prunes through the API', async () => {
    await api.sql`delete from storage.buckets where id = 'thumbnails'`;
    await api.sql`update storage.buckets set public = true where id = 'content-uploads'`;
    await api.sql`insert into storage.buckets (id, name) values ('legacy', 'legacy')`;
    const { ctx } = await testContext(api.url, { cwd: project, yes: true, env: { SUPABASE_SERVICE_ROLE_KEY: key } });
    const r = await storageSync(ctx, { prune: true });
    expect(r.via).toBe('api');
    expect(r.changes.map((c) => c.action)).toEqual(['unchanged', 'update', 'create', 'prune']);
    expect(fake.calls).toEqual([
      'GET /storage/v1/bucket',
      'PUT /storage/v1/bucket/content-uploads',
      'POST /storage/v1/bucket',
      'DELETE /storage/v1/bucket/legacy',
    ]);
    expect(await buckets(api.sql)).toEqual([
      {
        id: 'avatars',
        public: true,
        file_size_limit: '5242880',
        allowed_mime_types: ['image/jpeg', 'image/png', 'image/webp'],
      },
      {
        id: 'content-uploads',
        public: false,
        file_size_limit: '104857600',
        allowed_mime_types: ['image/*', 'video/*', 'audio/*'],
      },
      {
        id: 'thumbnails',
        public: true,
        file_size_limit: '1048576',
        allowed_mime_types: ['image/jpeg', 'image/png', 'image/webp'],
      },
    ]);
  });

  it("reports the API's refusal (a non-empty bucket) as one clear error", async () => {
    await api.sql`insert into storage.buckets (id, name) values ('busy', 'busy')`;
    await api.sql`insert into storage.objects (bucket_id, name) values ('busy', 'a/b.png')`;
    const { ctx } = await testContext(api.url, { cwd: project, yes: true, env: { SUPABASE_SERVICE_ROLE_KEY: key } });
    const error = await storageSync(ctx, { prune: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 1 });
    expect((error as Error).message).toMatch(
      /^Storage API \(http:\/\/127\.0\.0\.1:\d+\): delete busy failed: The bucket you tried to delete is not empty$/,
    );
  });

  it('lists through the API (object counts are not available there); --via sql uses the database', async () => {
    const { ctx } = await testContext(api.url, { cwd: project, env: { SUPABASE_SERVICE_ROLE_KEY: key } });
    const r = await storageList(ctx);
    expect(r.via).toBe('api');
    expect(r.buckets.map((b) => [b.id, b.objects])).toEqual([
      ['avatars', null],
      ['busy', null],
      ['content-uploads', null],
      ['thumbnails', null],
    ]);
    expect(r.policies).toBeNull();
    const viaSql = await storageList(ctx, { via: 'sql' });
    expect(viaSql.buckets.find((b) => b.id === 'busy')!.objects).toBe(1);
  });
});
