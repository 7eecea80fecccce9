/**
 * Backup and restore on real PostgreSQL: a seeded database round-trips identical (counts and
 * checksums, partitions and storage metadata included); damaged, truncated, tampered and
 * interrupted backups are refused; encryption round-trips and refuses a wrong key; a non-empty
 * target is refused.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, type BackupOptions } from '../../src/backup/create.js';
import { readManifest, IncompleteBackupError, type Manifest } from '../../src/backup/manifest.js';
import { checkContents, checkFiles, openBackup } from '../../src/backup/read.js';
import { restoreBackup, type RestoreOptions } from '../../src/backup/restore.js';
import { backupSettings } from '../../src/config/backup.js';
import { CancelledError, DreamdbError, UsageError } from '../../src/errors.js';
import { defaultMigrateSettings } from '../../src/migrate/engine.js';
import { createTestDatabase, migratedDatabase, urlFor, type TestDatabase } from '../helpers/db.js';
import { fingerprint, seedDatabase } from './seed.js';
import { rejection } from '../helpers/errors.js';

const cfg = backupSettings({});
const PASSPHRASE = 'correct horse battery staple';
let source: TestDatabase;
let before: Awaited<ReturnType<typeof fingerprint>>;
let work: string;
const cleanup: TestDatabase[] = [];

const backupOptions = (outDir: string, extra: Partial<BackupOptions> = {}): BackupOptions => ({
  outDir,
  include: cfg.include,
  exclude: cfg.exclude,
  jobs: 2,
  compression: 'gzip',
  lockTimeoutMs: 10_000,
  ...extra,
});
const restoreOptions = (extra: Partial<RestoreOptions> = {}): RestoreOptions => ({
  settings: defaultMigrateSettings,
  cwd: process.cwd(),
  env: { DREAMDB_BACKUP_KEY: PASSPHRASE },
  keyEnv: 'DREAMDB_BACKUP_KEY',
  ...extra,
});

async function emptyDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  cleanup.push(db);
  return db;
}

async function copyDir(from: string, prefix: string): Promise<string> {
  const to = await fs.mkdtemp(path.join(work, prefix));
  await fs.cp(from, to, { recursive: true });
  return to;
}

async function rewriteManifest(dir: string, edit: (m: Manifest) => void): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await fs.readFile(file, 'utf8')) as Manifest;
  edit(m);
  await fs.writeFile(file, JSON.stringify(m, null, 2));
}

async function publicRows(db: TestDatabase): Promise<number> {
  const [row] = await db.sql<
    { n: string }[]
  >`select (select count(*) from public.artists) + (select count(*) from public.metrics) + (select count(*) from auth.users) as n`;
  return Number(row!.n);
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-backup-test-'));
  source = await migratedDatabase('bk_src');
  // 900 days: metrics reach two years before last year, partitions the migration never creates.
  await seedDatabase(source.sql, { artists: 12, days: 900, platforms: 3 });
  before = await fingerprint(source.sql);
});

afterAll(async () => {
  await source?.drop();
  for (const db of cleanup) await db.drop().catch(() => {});
  await fs.rm(work, { recursive: true, force: true });
});

describe('backup and restore', () => {
  let plainDir: string;

  it('writes a complete backup with a manifest of every table, row count, checksum and the schema version', async () => {
    const result = await createBackup(source.url, backupOptions(path.join(work, 'plain')));
    plainDir = result.dir;
    expect(path.basename(plainDir)).toMatch(/^dreamdb-backup-dreamdb_bk_src_[0-9a-f]+-\d{8}T\d{6}Z$/);
    expect(await fs.readdir(path.dirname(plainDir))).toEqual([path.basename(plainDir)]);
    const m = await readManifest(plainDir);
    expect(m.kind).toBe('dreamdb');
    expect(m.encryption).toBeNull();
    const [ledger] = await source.sql<{ v: string }[]>`select max(version) as v from dreamdb.migrations`;
    expect(m.schemaVersion).toBe(ledger!.v);
    expect(m.source.serverVersionNum).toBeGreaterThanOrEqual(150000);
    const names = m.tables.map((t) => `${t.schema}.${t.name}`);
    for (const t of [
      'public.artists',
      'auth.users',
      'storage.buckets',
      'storage.objects',
      'dreamdb.migrations',
      'supabase_migrations.schema_migrations',
    ])
      expect(names).toContain(t);
    const year = new Date().getUTCFullYear();
    const partitions = m.tables.filter((t) => t.parent === 'public.metrics').map((t) => t.name);
    expect(partitions).toEqual(
      expect.arrayContaining([
        `metrics_y${year - 2}`,
        `metrics_y${year - 1}`,
        `metrics_y${year}`,
        `metrics_y${year + 1}`,
      ]),
    );
    for (const t of m.tables.filter((x) => x.role === 'data')) {
      const key = t.parent ? null : `${t.schema}.${t.name}`;
      if (key && before[key]) expect(t.rows, key).toBe(before[key]!.rows);
      expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(m.totals.rows).toBe(m.tables.filter((t) => t.role === 'data').reduce((s, t) => s + t.rows, 0));
    expect(m.sequences.map((s) => s.name)).toContain('artist_activity_log_id_seq');
    // generated columns are left out: Postgres recomputes them
    expect(m.tables.find((t) => t.name === 'objects')!.columns).not.toContain('path_tokens');
    expect(await checkFiles(await openBackup(plainDir, { env: {}, keyEnv: 'K' }))).toEqual([]);
  });

  it('restores into an empty database, partitions recreated, identical to the source', async () => {
    const target = await emptyDatabase('bk_dst');
    const r = await restoreBackup(plainDir, target.url, restoreOptions());
    expect(r.replaced).toBe(false);
    expect(r.warnings).toEqual([]);
    expect(await fingerprint(target.sql)).toEqual(before);
    const m = await readManifest(plainDir);
    expect(r.rows).toBe(m.totals.rows);
    const year = new Date().getUTCFullYear();
    // A year the partition migration does not create, recreated by its function: attached, RLS on.
    const [old] = await target.sql<{ attached: boolean; rls: boolean; forced: boolean }[]>`
      select c.relispartition as attached, c.relrowsecurity as rls, c.relforcerowsecurity as forced
        from pg_class c where c.oid = ${`public.metrics_y${year - 2}`}::regclass`;
    expect(old).toEqual({ attached: true, rls: true, forced: true });
    // the identity sequence continues after the restored ids
    const [ids] = await target.sql<{ next: string; max: string }[]>`
      select nextval('public.artist_activity_log_id_seq')::text as next, (select max(id) from public.artist_activity_log)::text as max`;
    expect(Number(ids!.next)).toBeGreaterThan(Number(ids!.max));
    // planner statistics exist (restore ANALYZEs)
    const [stats] = await target.sql<
      { n: number }[]
    >`select count(*)::int as n from pg_stats where schemaname = 'public' and tablename = 'artists'`;
    expect(stats!.n).toBeGreaterThan(0);
  });

  it('matches partitions by their range, whatever the target calls them', async () => {
    const year = new Date().getUTCFullYear();
    const target = await migratedDatabase('bk_renamed');
    cleanup.push(target);
    await target.sql.unsafe(`alter table public.metrics_y${year} rename to metrics_this_year`);
    const r = await restoreBackup(plainDir, target.url, restoreOptions());
    expect(r.replaced).toBe(false);
    const m = await readManifest(plainDir);
    const [row] = await target.sql<{ n: number; analyzed: boolean }[]>`
      select (select count(*)::int from public.metrics_this_year) as n,
             (select reltuples >= 0 from pg_class where oid = 'public.metrics_this_year'::regclass) as analyzed`;
    expect(row!.n).toBe(m.tables.find((t) => t.name === `metrics_y${year}`)!.rows);
    expect(row!.analyzed).toBe(true);
    expect(await target.sql`select 1 from pg_class where relname = ${`metrics_y${year}`}`).toHaveLength(0);
  });

  it('refuses a non-empty target, replaces its data only with --force and confirmation', async () => {
    const target = await emptyDatabase('bk_full');
    await restoreBackup(plainDir, target.url, restoreOptions());
    const err = await restoreBackup(plainDir, target.url, restoreOptions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(
      /^The target database is not empty: auth\.users, public\.achievements, .* and \d+ more have rows\.$/,
    );
    expect((err as UsageError).hint).toMatch(/--force/);

    await expect(
      restoreBackup(plainDir, target.url, restoreOptions({ force: true, confirm: async () => false })),
    ).rejects.toBeInstanceOf(CancelledError);
    await target.sql`delete from public.notifications`;
    await target.sql`insert into storage.buckets (id, name) values ('extra', 'extra')`;
    const asked: string[] = [];
    const r = await restoreBackup(
      plainDir,
      target.url,
      restoreOptions({ force: true, confirm: async (what) => (asked.push(what), true) }),
    );
    expect(asked).toHaveLength(1);
    expect(r.replaced).toBe(true);
    expect(await fingerprint(target.sql)).toEqual(before);
  });

  it('detects a corrupted and a truncated file, and restores nothing', async () => {
    const m = await readManifest(plainDir);
    const metrics = m.tables.filter((t) => t.parent === 'public.metrics').sort((a, b) => b.bytes - a.bytes)[0]!;

    const corrupted = await copyDir(plainDir, 'corrupt-');
    const file = path.join(corrupted, metrics.file);
    const bytes = await fs.readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await fs.writeFile(file, bytes);
    const problems = await checkFiles(await openBackup(corrupted, { env: {}, keyEnv: 'K' }));
    expect(problems).toEqual([
      expect.objectContaining({ file: metrics.file, problem: expect.stringMatching(/sha256 .*damaged or altered/) }),
    ]);

    const truncated = await copyDir(plainDir, 'trunc-');
    await fs.truncate(path.join(truncated, metrics.file), Math.floor(metrics.bytes / 3));
    const tp = await checkFiles(await openBackup(truncated, { env: {}, keyEnv: 'K' }));
    expect(tp[0]!.problem).toMatch(/truncated/);

    const target = await emptyDatabase('bk_bad');
    for (const dir of [corrupted, truncated]) {
      const err = await restoreBackup(dir, target.url, restoreOptions()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DreamdbError);
      expect((err as DreamdbError).message).toMatch(/is damaged: 1 file does not match the manifest/);
      expect((err as DreamdbError).hint).toMatch(/Nothing was restored/);
    }
    const [t] = await target.sql<{ n: number }[]>`select count(*)::int as n from pg_tables where schemaname = 'public'`;
    expect(t!.n).toBe(0);

    const noManifest = await copyDir(plainDir, 'nomanifest-');
    await fs.writeFile(path.join(noManifest, 'manifest.json'), '{"format":"dreamdb-backup","formatVersion":1,"id":');
    await expect(readManifest(noManifest)).rejects.toBeInstanceOf(IncompleteBackupError);
  });

  it('catches rows changed inside a file whose checksums were forged, and rolls the load back', async () => {
    const m = await readManifest(plainDir);
    const artists = m.tables.find((t) => t.schema === 'public' && t.name === 'artists')!;
    const forged = await copyDir(plainDir, 'forged-');
    const opened = await openBackup(plainDir, { env: {}, keyEnv: 'K' });
    const { streams } = await import('../../src/backup/read.js').then((r) => r.tableContent(opened, artists));
    const chunks: Buffer[] = [];
    for await (const c of streams[0].pipe(streams[1]!)) chunks.push(c as Buffer);
    // Same row count, same size class: one artist renamed. The file's sha256 is forged to match.
    const text = Buffer.concat(chunks).toString().replace('Artist 1\t', 'Mallory \t');
    const gz = gzipSync(text);
    await fs.writeFile(path.join(forged, artists.file), gz);
    const { createHash } = await import('node:crypto');
    await rewriteManifest(forged, (x) => {
      const e = x.tables.find((t) => t.file === artists.file)!;
      e.bytes = gz.length;
      e.sha256 = createHash('sha256').update(gz).digest('hex');
    });
    const again = await openBackup(forged, { env: {}, keyEnv: 'K' });
    expect(await checkFiles(again)).toEqual([]);
    expect(await checkContents(again)).toEqual([
      expect.objectContaining({ table: 'public.artists', problem: 'content checksum differs from the manifest' }),
    ]);

    const target = await emptyDatabase('bk_forged');
    const err = await restoreBackup(forged, target.url, restoreOptions()).catch((e: unknown) => e);
    expect((err as DreamdbError).message).toMatch(/does not match the backup in 1 table\(s\); rolled back/);
    expect((err as DreamdbError).details).toEqual([
      "public.artists: the restored rows differ from the backup's (sha256)",
    ]);
    expect(await publicRows(target)).toBe(0);
  });
});

describe('encrypted backups', () => {
  let dir: string;

  it('round-trips with the key from the environment; the files hold no plaintext', async () => {
    const result = await createBackup(
      source.url,
      backupOptions(path.join(work, 'enc'), {
        encrypt: { env: { DREAMDB_BACKUP_KEY: PASSPHRASE }, keyEnv: 'DREAMDB_BACKUP_KEY' },
      }),
    );
    dir = result.dir;
    const m = await readManifest(dir);
    expect(m.encryption).toMatchObject({ algorithm: 'aes-256-gcm', kdf: { type: 'scrypt' } });
    expect(m.mac).toMatch(/^[0-9a-f]{64}$/);
    for (const t of m.tables) {
      expect(t.file).toMatch(/\.gz\.enc$/);
      const raw = await fs.readFile(path.join(dir, t.file));
      expect(raw.includes(Buffer.from('artist1@example.com'))).toBe(false);
    }
    const opened = await openBackup(dir, { env: { DREAMDB_BACKUP_KEY: PASSPHRASE }, keyEnv: 'DREAMDB_BACKUP_KEY' });
    expect([...(await checkFiles(opened)), ...(await checkContents(opened))]).toEqual([]);
    const target = await emptyDatabase('bk_enc');
    await restoreBackup(dir, target.url, restoreOptions());
    expect(await fingerprint(target.sql)).toEqual(before);
  });

  it('refuses a wrong or missing key before touching the target', async () => {
    const target = await emptyDatabase('bk_wrongkey');
    expect(
      (
        await rejection(
          restoreBackup(dir, target.url, restoreOptions({ env: { DREAMDB_BACKUP_KEY: 'not the passphrase at all' } })),
          UsageError,
          2,
        )
      ).message,
    ).toMatch(/Wrong key: DREAMDB_BACKUP_KEY does not decrypt this backup/);
    expect(
      (await rejection(restoreBackup(dir, target.url, restoreOptions({ env: {} })), UsageError, 2)).message,
    ).toMatch(/This backup is encrypted, but DREAMDB_BACKUP_KEY is not set/);
    const [t] = await target.sql<{ n: number }[]>`select count(*)::int as n from pg_tables where schemaname = 'public'`;
    expect(t!.n).toBe(0);
  });

  it('refuses a tampered file even with matching checksums, and an edited manifest', async () => {
    const m = await readManifest(dir);
    const artists = m.tables.find((t) => t.name === 'artists')!;
    const tampered = await copyDir(dir, 'tampered-');
    const file = path.join(tampered, artists.file);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 40]! ^= 1;
    await fs.writeFile(file, bytes);
    const { createHash } = await import('node:crypto');
    // Without the key nobody can forge the manifest's MAC; this proves the file itself is authenticated.
    const opened = await openBackup(tampered, {
      env: { DREAMDB_BACKUP_KEY: PASSPHRASE },
      keyEnv: 'DREAMDB_BACKUP_KEY',
    });
    opened.manifest.tables.find((t) => t.file === artists.file)!.sha256 = createHash('sha256')
      .update(bytes)
      .digest('hex');
    expect(await checkContents(opened)).toEqual([
      expect.objectContaining({ table: 'public.artists', problem: expect.stringMatching(/failed authentication/) }),
    ]);

    const edited = await copyDir(dir, 'edited-');
    await rewriteManifest(edited, (x) => (x.tables.find((t) => t.name === 'artists')!.rows += 1));
    expect(
      (
        await rejection(
          openBackup(edited, { env: { DREAMDB_BACKUP_KEY: PASSPHRASE }, keyEnv: 'DREAMDB_BACKUP_KEY' }),
          DreamdbError,
          1,
        )
      ).message,
    ).toMatch(/manifest.json failed authentication/);
  });
});

describe('interrupted and refused backups', () => {
  it('a backup that fails midway leaves nothing that looks like a backup', async () => {
    // A role without BYPASSRLS: row_security=off makes the first table under RLS fail instead of
    // silently backing up fewer rows.
    const role = `dreamdb_bk_${randomBytes(3).toString('hex')}`;
    await source.sql.unsafe(`create role ${role} login password 'pw-${role}'`);
    try {
      await source.sql.unsafe(
        `grant usage on schema public, storage, auth, dreamdb, supabase_migrations, sync to ${role}`,
      );
      await source.sql.unsafe(
        `grant select on all tables in schema public, storage, auth, dreamdb, supabase_migrations, sync to ${role}`,
      );
      const url = new URL(source.url);
      url.username = role;
      url.password = `pw-${role}`;
      const out = path.join(work, 'failing');
      const err = await createBackup(url.toString(), backupOptions(out)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DreamdbError);
      expect((err as DreamdbError).message).toMatch(/subject to row level security/);
      expect((err as DreamdbError).hint).toMatch(/BYPASSRLS/);
      expect(await fs.readdir(out)).toEqual([]);
    } finally {
      await source.sql.unsafe(`drop owned by ${role}`);
      await source.sql.unsafe(`drop role ${role}`);
    }
  });

  it("refuses --format pg_dump without a pg_dump of the server's major, and works with one", async () => {
    const out = path.join(work, 'pgdump');
    const [v] = await source.sql<{ n: number }[]>`select current_setting('server_version_num')::int / 10000 as n`;
    const { findPgDump } = await import('../../src/backup/pgdump.js');
    const have = await findPgDump(v!.n).then(
      () => true,
      () => false,
    );
    if (!have) {
      const err = await createBackup(source.url, backupOptions(out, { format: 'pg_dump' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toMatch(
        new RegExp(`needs pg_dump ${v!.n} for this PostgreSQL ${v!.n} server`),
      );
      return;
    }
    const r = await createBackup(source.url, backupOptions(out, { format: 'pg_dump' }));
    expect(r.manifest.kind).toBe('pg_dump');
    expect(r.manifest.archive!.tables.find((t) => t.name === 'artists')!.rows).toBe(before['public.artists']!.rows);
    const head = await fs.readFile(path.join(r.dir, 'dump.pgdump'));
    expect(head.subarray(0, 5).toString()).toBe('PGDMP');
    expect(await checkFiles(await openBackup(r.dir, { env: {}, keyEnv: 'K' }))).toEqual([]);
    expect(
      (
        await rejection(
          createBackup(
            source.url,
            backupOptions(out, { format: 'pg_dump', encrypt: { env: { K: PASSPHRASE }, keyEnv: 'K' } }),
          ),
          UsageError,
          2,
        )
      ).message,
    ).toMatch(/--encrypt works with the dreamdb format only/);
    const target = await emptyDatabase('bk_pgdump');
    expect((await rejection(restoreBackup(r.dir, target.url, restoreOptions()), UsageError, 2)).message).toMatch(
      /holds a pg_dump archive/,
    );
  });

  it("refuses a target outside the backup's reach: a missing database", async () => {
    const err = await restoreBackup(
      path.join(work, 'plain', (await fs.readdir(path.join(work, 'plain')))[0]!),
      urlFor(`dreamdb_missing_${randomBytes(3).toString('hex')}`),
      restoreOptions(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/the database does not exist/);
  });

  it('restores a backup whose ledger the target lacks only with the migrations it was taken with', async () => {
    const m = await readManifest(path.join(work, 'plain', (await fs.readdir(path.join(work, 'plain')))[0]!));
    const dir = await copyDir(path.join(work, 'plain', (await fs.readdir(path.join(work, 'plain')))[0]!), 'newer-');
    await rewriteManifest(dir, (x) => {
      x.migrations.push({ version: '29990101000000', name: 'from_the_future', checksum: 'f'.repeat(64) });
      x.schemaVersion = '29990101000000';
    });
    const target = await emptyDatabase('bk_newer');
    const err = await restoreBackup(dir, target.url, restoreOptions()).catch((e: unknown) => e);
    expect((err as DreamdbError).message).toMatch(
      /lacks 1 of the migrations it was taken with: 29990101000000_from_the_future/,
    );
    expect(m.schemaVersion).not.toBe('29990101000000');
    expect(await publicRows(target)).toBe(0);
  });
});
