/** Inputs a hostile operator tries (issue 12, items 5 and 8): --to typos, odd file names, a BOM. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultMigrateSettings, runMigrations } from '../../src/migrate/engine.js';
import { UsageError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrationDir } from '../helpers/files.js';
import { rejection } from '../helpers/errors.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('inputs');
});
afterEach(async () => {
  await db.drop();
});

const FILES = {
  '20261125100100_one.sql': 'create table public.one (id int);\n',
  '20261125100200_two.sql': 'create table public.two (id int);\n',
};
const run = (dir: string, to?: string) =>
  runMigrations(db.url, { settings: { ...defaultMigrateSettings, dir }, ...(to ? { to } : {}) });

describe('migrate --to', () => {
  it('refuses a version no file has, naming the nearest ones, and applies nothing', async () => {
    const dir = await migrationDir(FILES);
    const error = await run(dir, '20261125100150').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toBe('No migration has version 20261125100150.');
    expect((error as UsageError).hint).toContain('20261125100100 (before) and 20261125100200 (after)');
    const [row] = await db.sql`select to_regclass('public.one') as one`;
    expect(row!.one).toBeNull();
  });

  it('refuses a --to that is not a version', async () => {
    const dir = await migrationDir(FILES);
    expect((await rejection(run(dir, 'banana'), UsageError, 2)).message).toBe(
      '--to banana is not a migration version (yyyymmddHHMMSS).',
    );
  });

  it('stops after an existing version', async () => {
    const dir = await migrationDir(FILES);
    const result = await run(dir, '20261125100100');
    expect(result.applied.map((a) => a.version)).toEqual(['20261125100100']);
  });
});

describe('migration file names and encodings', () => {
  it('refuses *.SQL instead of ignoring it', async () => {
    const dir = await migrationDir({ ...FILES, '20261125100300_three.SQL': 'select 1;\n' });
    expect((await rejection(run(dir), UsageError, 2)).message).toBe(
      'Migration 20261125100300_three.SQL ends in .SQL, which is never applied.',
    );
  });

  it('refuses a version that is not 14 digits (it would sort before every timestamp)', async () => {
    const dir = await migrationDir({ ...FILES, '202611_early.sql': 'select 1;\n' });
    const error = await run(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('6-digit version');
  });

  it('strips a UTF-8 byte order mark, including before the no-transaction header', async () => {
    const dir = await migrationDir({
      '20261125100100_one.sql': '\uFEFFcreate table public.one (id int);\n',
      '20261125100200_two.sql':
        '\uFEFF-- dreamdb:no-transaction\ncreate index concurrently one_id on public.one (id);\n',
    });
    const result = await run(dir);
    expect(result.applied).toHaveLength(2);
    const [row] =
      await db.sql`select statements from supabase_migrations.schema_migrations where version = '20261125100100'`;
    expect(row!.statements).toEqual(['create table public.one (id int)']);
  });
});
