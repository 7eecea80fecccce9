/**
 * The storage.objects policies from 20261125100200_storage_buckets_and_policies.sql, exercised
 * the way the Storage API runs requests: as the user (asUser), an upload being an INSERT with
 * bucket_id, name and owner, a listing a SELECT, a removal a DELETE.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, type Actor } from '../../src/db/impersonate.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let ana: Actor;
let ben: Actor;
const anon: Actor = { role: 'anon' };
const server: Actor = { role: 'service_role' };

async function user(name: string): Promise<Actor> {
  const id = randomUUID();
  await db.sql`insert into auth.users (id, email, aud, role) values (${id}, ${`${name}@example.test`}, 'authenticated', 'authenticated')`;
  return { role: 'authenticated', sub: id, email: `${name}@example.test` };
}

/** An upload as the Storage API does it: INSERT ... RETURNING as the caller. */
function upload(actor: Actor, bucket: string, name: string, size = 1000, mimetype = 'image/png') {
  return asUser(
    db.sql,
    actor,
    async (tx) =>
      (
        await tx<{ id: string }[]>`
    insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
    values (${bucket}, ${name}, ${actor.sub ?? null}, ${actor.sub ?? null}, ${tx.json({ size, mimetype })})
    returning id`
      )[0]!.id,
  );
}

function list(actor: Actor, bucket: string) {
  return asUser(
    db.sql,
    actor,
    async (tx) =>
      (await tx<{ name: string }[]>`select name from storage.objects where bucket_id = ${bucket} order by name`).map(
        (r) => r.name,
      ),
    { readOnly: true },
  );
}

const RLS = /new row violates row-level security policy/;

beforeAll(async () => {
  db = await migratedDatabase('storagepol');
  ana = await user('ana');
  ben = await user('ben');
});
afterAll(async () => db?.drop());

describe('storage.objects as an artist', () => {
  it('uploads under its own folder in each of the three buckets', async () => {
    for (const bucket of ['avatars', 'content-uploads', 'thumbnails']) {
      expect(await upload(ana, bucket, `${ana.sub}/a.png`)).toMatch(/^[0-9a-f-]{36}$/);
      await upload(ben, bucket, `${ben.sub}/b.png`);
    }
    await upload(ana, 'content-uploads', `${ana.sub}/demos/track-1.mp3`, 5_000_000, 'audio/mpeg');
  });

  it("cannot upload into another artist's folder, at a bucket's root, or into an undeclared bucket", async () => {
    await expect(upload(ana, 'avatars', `${ben.sub}/evil.png`)).rejects.toThrow(RLS);
    await expect(upload(ana, 'content-uploads', `${ben.sub}/evil.mp3`)).rejects.toThrow(RLS);
    await expect(upload(ana, 'avatars', 'root.png')).rejects.toThrow(RLS);
    await expect(upload(ana, 'avatars', `x/${ana.sub}/nested.png`)).rejects.toThrow(RLS);
    await db.sql`insert into storage.buckets (id, name, public) values ('scratch', 'scratch', false) on conflict do nothing`;
    await expect(upload(ana, 'scratch', `${ana.sub}/a.png`)).rejects.toThrow(RLS);
  });

  it('lists only its own files, in the private bucket and in the public ones', async () => {
    expect(await list(ana, 'content-uploads')).toEqual([`${ana.sub}/a.png`, `${ana.sub}/demos/track-1.mp3`].sort());
    expect(await list(ana, 'avatars')).toEqual([`${ana.sub}/a.png`]);
    expect(await list(ben, 'thumbnails')).toEqual([`${ben.sub}/b.png`]);
    const [all] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from storage.objects where bucket_id = 'avatars'`;
    expect(all!.n).toBe(2);
  });

  it("replaces its own files (the Storage API upsert) but cannot move them into another folder or touch others'", async () => {
    await asUser(
      db.sql,
      ana,
      (tx) => tx`
      insert into storage.objects (bucket_id, name, owner, metadata) values ('avatars', ${`${ana.sub}/a.png`}, ${ana.sub!}, ${tx.json({ size: 2000 })})
      on conflict (bucket_id, name) do update set metadata = excluded.metadata, updated_at = now()`,
    );
    const [row] = await db.sql<
      { size: string }[]
    >`select metadata ->> 'size' as size from storage.objects where name = ${`${ana.sub}/a.png`} and bucket_id = 'avatars'`;
    expect(row!.size).toBe('2000');
    await expect(
      asUser(
        db.sql,
        ana,
        (tx) =>
          tx`update storage.objects set name = ${`${ben.sub}/moved.png`} where bucket_id = 'avatars' and name = ${`${ana.sub}/a.png`}`,
      ),
    ).rejects.toThrow(RLS);
    await expect(
      asUser(
        db.sql,
        ana,
        (tx) =>
          tx`update storage.objects set bucket_id = 'scratch' where bucket_id = 'avatars' and name = ${`${ana.sub}/a.png`}`,
      ),
    ).rejects.toThrow(RLS);
    const touched = await asUser(
      db.sql,
      ana,
      async (tx) => (await tx`update storage.objects set metadata = '{}' where name like ${`${ben.sub}/%`}`).count,
    );
    expect(touched).toBe(0);
  });

  it('deletes only its own files', async () => {
    const others = await asUser(
      db.sql,
      ana,
      async (tx) => (await tx`delete from storage.objects where name like ${`${ben.sub}/%`}`).count,
    );
    expect(others).toBe(0);
    const own = await asUser(
      db.sql,
      ana,
      async (tx) =>
        (await tx`delete from storage.objects where bucket_id = 'thumbnails' and name = ${`${ana.sub}/a.png`}`).count,
    );
    expect(own).toBe(1);
  });
});

describe('storage.objects for everyone else', () => {
  it('anon can neither list a public bucket nor upload anywhere', async () => {
    expect(await list(anon, 'avatars')).toEqual([]);
    expect(await list(anon, 'thumbnails')).toEqual([]);
    expect(await list(anon, 'content-uploads')).toEqual([]);
    await expect(upload(anon, 'avatars', 'anon/x.png')).rejects.toThrow(RLS);
  });

  it('no policy lets a role list a whole bucket (public files are served by URL, not by SELECT)', async () => {
    const policies = await db.sql<{ policyname: string; cmd: string; roles: string[]; qual: string | null }[]>`
      select policyname, cmd, roles::text[] as roles, qual from pg_policies where schemaname = 'storage' and tablename = 'objects' order by cmd`;
    expect(policies.map((p) => p.cmd)).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
    for (const p of policies) {
      expect(p.roles).toEqual(['authenticated']);
      if (p.qual) expect(p.qual).toMatch(/foldername\(name\)\)\[1\] = \( SELECT \(auth\.uid\(\)\)::text/);
    }
  });

  it('service_role (the server) sees and manages everything', async () => {
    const names = await list(server, 'content-uploads');
    expect(names).toHaveLength(3);
  });
});

describe('the buckets', () => {
  it('carry the limits the Storage API enforces (there is no Storage API on plain Postgres)', async () => {
    const rows = await db.sql<{ id: string; public: boolean; file_size_limit: string; allowed_mime_types: string[] }[]>`
      select id, public, file_size_limit::text, allowed_mime_types from storage.buckets where id <> 'scratch' order by id`;
    expect(rows).toEqual([
      {
        id: 'avatars',
        public: true,
        file_size_limit: String(5 * 1024 * 1024),
        allowed_mime_types: ['image/jpeg', 'image/png', 'image/webp'],
      },
      {
        id: 'content-uploads',
        public: false,
        file_size_limit: String(100 * 1024 * 1024),
        allowed_mime_types: ['image/*', 'video/*', 'audio/*'],
      },
      {
        id: 'thumbnails',
        public: true,
        file_size_limit: String(1024 * 1024),
        allowed_mime_types: ['image/jpeg', 'image/png', 'image/webp'],
      },
    ]);
  });
});
