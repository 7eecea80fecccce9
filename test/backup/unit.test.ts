/** The pure parts of backup and restore, and the encryption streams, without a database. */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  backupKeysFor,
  decryptStream,
  encryptStream,
  HEADER_BYTES,
  MAGIC,
  newBackupKeys,
} from '../../src/backup/crypto.js';
import { canonical, describeTables, manifestSchema, tableCounts, type Manifest } from '../../src/backup/manifest.js';
import {
  fileNameFor,
  loadOrder,
  matches,
  schemaVersionOf,
  selectScope,
  sequencesInScope,
  yearOfBound,
  type CatalogTable,
} from '../../src/backup/scope.js';
import { batcher, meter } from '../../src/backup/streams.js';
import { backupSettings } from '../../src/config/backup.js';
import { doctorSettings } from '../../src/config/doctor.js';
import { DreamdbError, UsageError } from '../../src/errors.js';
import { rejection, thrown } from '../helpers/errors.js';

const table = (q: string, extra: Partial<CatalogTable> = {}): CatalogTable => {
  const [schema, name] = q.split('.') as [string, string];
  return { schema, name, kind: 'r', root: null, parent: null, bound: null, columns: ['id'], bytes: 0, ...extra };
};

describe('scope', () => {
  const catalog = [
    table('public.artists'),
    table('public.metrics', { kind: 'p' }),
    table('public.metrics_y2025', {
      root: 'public.metrics',
      parent: 'public.metrics',
      bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    }),
    table('storage.buckets'),
    table('storage.objects'),
    table('storage.migrations'),
    table('auth.users'),
    table('auth.sessions'),
    table('dreamdb.migrations'),
    table('dreamdb.base'),
    table('supabase_migrations.schema_migrations'),
  ];

  it('takes the include patterns, partitions with their root, and always the two ledgers', () => {
    const scope = selectScope(catalog, backupSettings({}).include, []);
    expect(scope.data.map((t) => `${t.schema}.${t.name}`)).toEqual([
      'auth.users',
      'public.artists',
      'public.metrics_y2025',
      'storage.buckets',
      'storage.objects',
    ]);
    expect(scope.parents.map((t) => t.name)).toEqual(['metrics']);
    expect(scope.ledgers.map((t) => `${t.schema}.${t.name}`)).toEqual([
      'dreamdb.migrations',
      'supabase_migrations.schema_migrations',
    ]);
  });

  it('excluding a partitioned table excludes its partitions; a partition cannot be taken alone', () => {
    const scope = selectScope(catalog, ['public.*', 'public.metrics_y2025'], ['public.metrics']);
    expect(scope.data.map((t) => t.name)).toEqual(['artists']);
    expect(scope.parents).toEqual([]);
  });

  it('matches schema.* and schema.table exactly', () => {
    expect(matches('public.*', 'public.x')).toBe(true);
    expect(matches('public.*', 'publicx.y')).toBe(false);
    expect(matches('auth.users', 'auth.users')).toBe(true);
    expect(matches('auth.users', 'auth.users2')).toBe(false);
  });

  it('keeps the sequences of tables in scope and free ones of whole schemas', () => {
    const scope = selectScope(catalog, ['public.*', 'auth.users'], []);
    const seqs = sequencesInScope(
      [
        { schema: 'public', name: 'log_id_seq', owner: 'public.artists' },
        { schema: 'public', name: 'free_seq', owner: null },
        { schema: 'auth', name: 'refresh_tokens_id_seq', owner: 'auth.refresh_tokens' },
        { schema: 'auth', name: 'free_seq', owner: null },
      ],
      scope,
      ['public.*', 'auth.users'],
      [],
    );
    expect(seqs.map((s) => `${s.schema}.${s.name}`)).toEqual(['public.log_id_seq', 'public.free_seq']);
  });

  it('orders tables so referenced ones load first, and puts cycles last', () => {
    const { order, cyclic } = loadOrder(
      ['public.tasks', 'public.artists', 'auth.users', 'public.insights', 'public.a', 'public.b'],
      [
        { from: 'public.tasks', to: 'public.artists' },
        { from: 'public.tasks', to: 'public.insights' },
        { from: 'public.insights', to: 'public.artists' },
        { from: 'public.artists', to: 'auth.users' },
        { from: 'public.a', to: 'public.b' },
        { from: 'public.b', to: 'public.a' },
        { from: 'public.tasks', to: 'public.tasks' },
        { from: 'public.tasks', to: 'elsewhere.t' },
      ],
    );
    expect(order).toEqual(['auth.users', 'public.artists', 'public.insights', 'public.tasks', 'public.a', 'public.b']);
    expect(cyclic).toEqual(['public.a', 'public.b']);
  });

  it('reads yearly bounds and nothing else', () => {
    expect(yearOfBound("FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')")).toBe(2025);
    expect(yearOfBound("FOR VALUES FROM ('2025-01-01') TO ('2027-01-01')")).toBeNull();
    expect(yearOfBound("FOR VALUES FROM ('2025-03-01') TO ('2026-03-01')")).toBeNull();
    expect(yearOfBound('DEFAULT')).toBeNull();
    expect(yearOfBound(null)).toBeNull();
  });

  it('names files safely and uniquely', () => {
    expect(fileNameFor(7, { schema: 'public', name: 'we"ird name' }, { gzip: true, encrypted: true })).toBe(
      'data/007_public.we_ird_name.copy.gz.enc',
    );
    expect(fileNameFor(12, { schema: 'auth', name: 'users' }, { gzip: false, encrypted: false })).toBe(
      'data/012_auth.users.copy',
    );
  });

  it('takes the newest version as the schema version, numerically', () => {
    expect(schemaVersionOf([{ version: '20260101000000' }, { version: '9' }, { version: '20261125100200' }])).toBe(
      '20261125100200',
    );
    expect(schemaVersionOf([])).toBeNull();
  });
});

describe('streams', () => {
  it('batches small chunks and counts COPY rows and bytes exactly', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => Buffer.from(`${i}\tline\\nwith escaped newline\n`));
    const m = meter();
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(rows),
      batcher(4096),
      m.stream,
      new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }),
    );
    expect(m.measure.lines).toBe(5000);
    expect(m.measure.bytes).toBe(Buffer.concat(rows).length);
    expect(out.length).toBeLessThan(100);
    expect(Buffer.concat(out).equals(Buffer.concat(rows))).toBe(true);
  });
});

async function roundTrip(
  plain: Buffer,
  encryptFor: { id: string; file: string },
  decryptFor: { id: string; file: string },
  env: NodeJS.ProcessEnv,
  tamper?: (b: Buffer) => void,
) {
  const keys = newBackupKeys(env, 'K', encryptFor.id);
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([plain]),
    encryptStream(keys, encryptFor.id, encryptFor.file),
    new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }),
  );
  const sealed = Buffer.concat(parts);
  tamper?.(sealed);
  const readKeys = backupKeysFor(env, 'K', encryptFor.id, keys.spec);
  const iv = sealed.subarray(MAGIC.length, HEADER_BYTES);
  const tag = sealed.subarray(sealed.length - 16);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([sealed.subarray(HEADER_BYTES, sealed.length - 16)]),
    decryptStream(readKeys, decryptFor.id, decryptFor.file, { iv, tag }, decryptFor.file),
    new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }),
  );
  return { sealed, plain: Buffer.concat(out) };
}

describe('encryption', () => {
  const id = '3b7f2a4e-2f4c-4d2e-9a9e-6f1f0b6c2d11';
  const plain = Buffer.from('artist1@example.com\tsecret token\n'.repeat(1000));

  it('round-trips with a passphrase and with a raw base64 key, and hides the plaintext', async () => {
    for (const secret of ['correct horse battery staple', randomBytes(32).toString('base64')]) {
      const r = await roundTrip(
        plain,
        { id, file: 'data/001_a.copy.gz.enc' },
        { id, file: 'data/001_a.copy.gz.enc' },
        { K: secret },
      );
      expect(r.plain.equals(plain)).toBe(true);
      expect(r.sealed.includes(Buffer.from('artist1@example.com'))).toBe(false);
    }
  });

  it('refuses a flipped byte, a file moved to another name, and a wrong key', async () => {
    const env = { K: 'correct horse battery staple' };
    expect(
      (
        await rejection(
          roundTrip(
            plain,
            { id, file: 'data/001_a' },
            { id, file: 'data/001_a' },
            env,
            (b) => (b[HEADER_BYTES + 10]! ^= 1),
          ),
          DreamdbError,
          1,
        )
      ).message,
    ).toMatch(/failed authentication/);
    expect(
      (await rejection(roundTrip(plain, { id, file: 'data/001_a' }, { id, file: 'data/002_b' }, env), DreamdbError, 1))
        .message,
    ).toMatch(/failed authentication/);
    const keys = newBackupKeys(env, 'K', id);
    expect(
      thrown(() => backupKeysFor({ K: 'another passphrase, quite long' }, 'K', id, keys.spec), UsageError, 2).message,
    ).toMatch(/Wrong key/);
    expect(() => backupKeysFor({}, 'K', id, keys.spec)).toThrow(UsageError);
    expect(thrown(() => newBackupKeys({ K: 'short' }, 'K', id), UsageError, 2).message).toMatch(/too short/);
  });

  it('refuses a passphrase where a raw key was used', () => {
    const keys = newBackupKeys({ K: randomBytes(32).toString('base64') }, 'K', id);
    expect(keys.spec.kdf.type).toBe('raw');
    expect(
      thrown(() => backupKeysFor({ K: 'a passphrase that is long enough' }, 'K', id, keys.spec), UsageError, 2).message,
    ).toMatch(/not the key of this backup/);
  });
});

describe('manifest', () => {
  it('signs a canonical form that ignores key order and the mac itself', () => {
    const a = { b: 1, a: [{ y: 2, x: 1 }], mac: 'x' } as unknown as Parameters<typeof canonical>[0];
    const b = { a: [{ x: 1, y: 2 }], b: 1, mac: null } as unknown as Parameters<typeof canonical>[0];
    expect(canonical(a)).toBe(canonical(b));
    expect(manifestSchema.safeParse({ format: 'dreamdb-backup' }).success).toBe(false);
  });
});

describe('config', () => {
  it('has documented defaults and refuses unknown keys and bad values', () => {
    const d = doctorSettings({});
    expect(d.connections.maxUsedRatio).toBe(0.8);
    expect(d.slowStatements.budget).toBe(200);
    expect(
      doctorSettings({ replicationSlots: { maxRetainedWal: '2GB' }, longTransactions: { maxAge: '90s' } }),
    ).toMatchObject({ replicationSlots: { maxRetainedWal: 2 * 1024 ** 3 }, longTransactions: { maxAge: 90_000 } });
    expect(() => doctorSettings({ connections: { maxUsedRatio: 1.5 } })).toThrow();
    expect(() => doctorSettings({ bogus: 1 } as never)).toThrow();
    const b = backupSettings({});
    expect(b.keyEnv).toBe('DREAMDB_BACKUP_KEY');
    expect(() => backupSettings({ include: ['nodot'] })).toThrow();
    expect(() => backupSettings({ key: 'secret' } as never)).toThrow();
  });

  it('errors are DreamdbErrors with hints', () => {
    expect(new UsageError('x', { hint: 'y' })).toBeInstanceOf(DreamdbError);
  });
});

describe('table counts', () => {
  it('counts data tables and migration ledgers apart, the same for backup, verify and the drill', () => {
    const files = {
      archive: null,
      tables: [{ role: 'data' }, { role: 'ledger' }, { role: 'data' }, { role: 'ledger' }, { role: 'data' }],
    } as unknown as Manifest;
    expect(tableCounts(files)).toEqual({ data: 3, ledgers: 2 });
    expect(describeTables(tableCounts(files))).toBe('3 data tables + 2 migration ledgers');
    const archive = { archive: { tables: [{}, {}] }, tables: [] } as unknown as Manifest;
    expect(describeTables(tableCounts(archive))).toBe('2 data tables + the migration ledgers');
  });
});
