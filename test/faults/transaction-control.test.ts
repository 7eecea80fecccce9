/**
 * Transaction control inside a transactional file (issue 12, item 2): refused before anything
 * runs, naming file:line, instead of committing half the file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/db/sqlfile.js';
import { defaultMigrateSettings, runMigrations } from '../../src/migrate/engine.js';
import { findTransactionControl } from '../../src/migrate/transaction-control.js';
import { DreamdbError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrationDir } from '../helpers/files.js';
import { cell } from './matrix.js';

describe('findTransactionControl', () => {
  it('finds every transaction-control and role-switching statement with its line', async () => {
    const text = [
      'create table a (x int);',
      'BEGIN;',
      'start transaction;',
      'commit;',
      'end;',
      'rollback;',
      'abort;',
      'savepoint s;',
      'release s;',
      'rollback to s;',
      'set role postgres;',
      'set local role postgres;',
      'reset role;',
      'set session authorization postgres;',
      'reset session authorization;',
      "prepare transaction 'x';",
      'set search_path = public;',
      'reset all;',
      'do $$ begin perform 1; end $$;',
      "select 'commit';",
    ].join('\n');
    const found = findTransactionControl(text, (await splitStatements(text))!);
    expect(found.map((f) => f.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(found[0]).toMatchObject({ line: 2, column: 1, statement: 'BEGIN' });
    expect(found[9]!.fix).toMatch(/OWNER TO/);
  });
});

describe('migrate refuses transaction control in a transactional file', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('faulttx');
  });
  afterEach(async () => {
    await db.drop();
  });

  const cases: [string, string][] = [
    ['COMMIT mid-file', 'create table public.a (x int);\nCOMMIT;\ncreate table public.b (x int);\nselect 1/0;\n'],
    ['BEGIN … COMMIT', 'BEGIN;\ncreate table public.a (x int);\nCOMMIT;\n'],
    ['SAVEPOINT', 'create table public.a (x int);\nsavepoint s;\ncreate table public.b (x int);\n'],
    ['SET ROLE', 'set role anon;\ncreate table public.a (x int);\n'],
    ['SET SESSION AUTHORIZATION', 'create table public.a (x int);\nset session authorization authenticated;\n'],
  ];
  for (const [name, text] of cases) {
    it(`${name}: refused with file:line, nothing applied`, async () => {
      cell('migrate', `transaction control in a file: ${name}`);
      const dir = await migrationDir({
        '20260101000000_ok.sql': 'create table public.ok (x int);\n',
        '20260102000000_bad.sql': text,
      });
      const error = await runMigrations(db.url, { settings: { ...defaultMigrateSettings, dir } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DreamdbError);
      const line = text.split('\n').findIndex((l) => /^(begin|commit|savepoint|set role|set session)/i.test(l)) + 1;
      expect((error as DreamdbError).message).toContain(`20260102000000_bad.sql:${line}:1`);
      expect((error as DreamdbError).exitCode).toBe(1);
      // Refused before anything ran: not even the good first file, nor the ledger.
      const [row] =
        await db.sql`select to_regclass('public.ok') as ok, to_regclass('public.a') as a, to_regclass('public.b') as b, to_regclass('dreamdb.migrations') as ledger`;
      expect(row).toEqual({ ok: null, a: null, b: null, ledger: null });
    });
  }

  it('allows the same statements in a no-transaction file', async () => {
    cell('migrate', 'transaction control in a no-transaction file (allowed)');
    const dir = await migrationDir({
      '20260101000000_nt.sql':
        '-- dreamdb:no-transaction\nset session authorization default;\ncreate table public.a (x int);\nreset role;\n',
    });
    await runMigrations(db.url, { settings: { ...defaultMigrateSettings, dir } });
    const [row] = await db.sql`select to_regclass('public.a')::text as a`;
    expect(row!.a).toBe('a');
  });
});
