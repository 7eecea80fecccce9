/**
 * The database toolkit against a real server: named errors from real Postgres errors, the one
 * lock-retry policy, quoting, other-database URLs, CREATE/DROP DATABASE, the packaged SQL loader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, withDb, withDbs } from '../../src/db/connect.js';
import {
  createDatabase,
  databaseOf,
  dropDatabase,
  maintenanceUrl,
  withDatabase,
  withMaintenanceDb,
} from '../../src/db/databases.js';
import {
  isLockUnavailable,
  isNotMigrated,
  isPgError,
  postgresCause,
  SqlState,
  sqlStateOf,
  translatePgError,
} from '../../src/db/pg-errors.js';
import { packagedSql } from '../../src/db/queries.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../src/db/quote.js';
import { lockRetryDelayMs, withLockRetries } from '../../src/db/retry.js';
import {
  ConnectionError,
  DreamdbError,
  ErrorCode,
  ExitCode,
  LockUnavailableError,
  NotMigratedError,
  PermissionDeniedError,
  UsageError,
} from '../../src/errors.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('toolkit');
  await db.sql.unsafe(`
    create table t (id int primary key, n int not null check (n > 0));
    insert into t values (1, 1);
    drop role if exists dreamdb_toolkit_reader;
    create role dreamdb_toolkit_reader;
    create table secret (id int);
    create table guarded (id int);
    alter table guarded enable row level security;
    grant select, insert on guarded to dreamdb_toolkit_reader;
  `);
});
afterAll(async () => {
  await db?.drop();
  await withDb(serverUrl(), (sql) => sql`drop role if exists dreamdb_toolkit_reader`.then(() => undefined));
});

async function failure(query: string): Promise<unknown> {
  return db.sql.unsafe(query).then(
    () => expect.unreachable(`${query} succeeded`),
    (error: unknown) => error,
  );
}

describe('translatePgError', () => {
  it('names a missing table, function or schema NotMigratedError, exit 2, hint naming dreamdb migrate', async () => {
    for (const [query, state] of [
      ['select * from public.metrics', SqlState.undefinedTable],
      ['select dreamdb.metrics_partition_parent(1)', SqlState.invalidSchemaName],
      ['select no_such_function(1)', SqlState.undefinedFunction],
    ] as const) {
      const error = await failure(query);
      expect(sqlStateOf(error)).toBe(state);
      expect(isNotMigrated(error)).toBe(true);
      const named = translatePgError(error, { what: 'Reading metrics' });
      expect(named).toBeInstanceOf(NotMigratedError);
      expect((named as NotMigratedError).exitCode).toBe(ExitCode.usage);
      expect((named as NotMigratedError).code).toBe(ErrorCode.notMigrated);
      expect((named as NotMigratedError).hint).toMatch(/^Run `dreamdb migrate` first/);
      expect(postgresCause(named)).toBe(error);
    }
    const named = translatePgError(await failure('select * from public.metrics'), {
      what: 'x',
      missing: 'public.metrics',
      migration: 'migration 20261125100100_metrics_partitions',
    }) as NotMigratedError;
    expect(named.message).toBe('The target has no public.metrics: the database is not migrated.');
    expect(named.hint).toBe(
      'Run `dreamdb migrate` first (migration 20261125100100_metrics_partitions), then run this command again.',
    );
    const derived = translatePgError(await failure('select * from public.metrics'), { what: 'x' }) as NotMigratedError;
    expect(derived.missing).toBe('relation "public.metrics"');
  });

  it('tells row level security from a missing privilege', async () => {
    const asReader = async (query: string) =>
      db.sql
        .begin(async (tx) => {
          await tx.unsafe('set local role dreamdb_toolkit_reader');
          await tx.unsafe(query);
        })
        .then(
          () => expect.unreachable(),
          (e: unknown) => e,
        );
    const rls = translatePgError(await asReader('insert into guarded values (1)'), {
      what: 'Loading public.guarded',
      hints: { rls: 'Restore as postgres.' },
    });
    expect(rls).toBeInstanceOf(PermissionDeniedError);
    expect((rls as DreamdbError).message).toMatch(
      /^Loading public.guarded: new row violates row-level security policy for table "guarded"\.$/,
    );
    expect((rls as DreamdbError).hint).toBe('Restore as postgres.');
    const privilege = translatePgError(await asReader('select * from secret'), {
      what: 'Backing up public.secret',
    }) as DreamdbError;
    expect(privilege).toBeInstanceOf(PermissionDeniedError);
    expect(privilege.code).toBe(ErrorCode.permissionDenied);
    expect(privilege.hint).toMatch(/privilege/);
  });

  it('keeps the Postgres fields of rejected data as detail lines', async () => {
    const error = await failure('insert into t values (1, 1)');
    const named = translatePgError(error, { what: 'Loading public.t' }) as DreamdbError;
    expect(named.code).toBe(ErrorCode.dataRejected);
    expect(named.exitCode).toBe(ExitCode.failed);
    expect(named.message).toBe('Loading public.t: duplicate key value violates unique constraint "t_pkey" (23505).');
    expect(named.details).toEqual(['DETAIL: Key (id)=(1) already exists.', 'ON: public.t, constraint t_pkey']);
    expect(postgresCause(named)?.constraint_name).toBe('t_pkey');
  });

  it('names other failures with their SQLSTATE, and passes the rest through', async () => {
    const error = await failure('select 1/0');
    const named = translatePgError(error, { what: 'Computing' }) as DreamdbError;
    expect(named.message).toBe('Computing: division by zero (22012).');
    const syntax = translatePgError(await failure('selec 1'), {
      what: 'Running x',
      hints: { other: 'Fix x.' },
    }) as DreamdbError;
    expect(syntax.code).toBe(ErrorCode.postgres);
    expect(syntax.message).toBe('Running x: syntax error at or near "selec" (42601).');
    expect(syntax.hint).toBe('Fix x.');
    const bug = new TypeError('boom');
    expect(translatePgError(bug, { what: 'x' })).toBe(bug);
    const already = new UsageError('mine');
    expect(translatePgError(already, { what: 'x' })).toBe(already);
    expect(isPgError(bug)).toBe(false);
  });
});

describe('withLockRetries', () => {
  /** Another session holding ACCESS EXCLUSIVE on t until release(); resolves once it is granted. */
  async function holdLock(): Promise<{ release: () => void; done: () => Promise<void> }> {
    const holder = connect(db.url);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const holding = holder.begin(async (tx) => {
      await tx`lock table t in access exclusive mode`;
      await released;
    });
    while (
      !(
        await db.sql`select 1 from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 't' and l.mode = 'AccessExclusiveLock' and l.granted`
      ).length
    );
    return {
      release,
      done: async () => {
        await holding;
        await holder.end();
      },
    };
  }

  it('backs off from 100 ms to 5 s with jitter', () => {
    expect([1, 2, 3, 4].map((n) => lockRetryDelayMs(n, () => 1))).toEqual([100, 200, 400, 800]);
    expect(lockRetryDelayMs(1, () => 0)).toBe(50);
    expect(lockRetryDelayMs(30, () => 1)).toBe(5000);
  });

  it('retries a statement that met lock_timeout until the holder lets go', async () => {
    const { release, done } = await holdLock();
    const retries: number[] = [];
    const { value, attempts } = await withLockRetries(
      (attempt) =>
        db.sql.begin(async (tx) => {
          await tx`set local lock_timeout = '20ms'`;
          const [row] = await tx<{ n: number }[]>`select n from t where id = 1`;
          return { attempt, n: row!.n };
        }),
      {
        maxAttempts: 10,
        lockTimeoutMs: 20,
        what: 'reading t',
        random: () => 0,
        onRetry: (attempt, _wait, error) => {
          expect(isLockUnavailable(error)).toBe(true);
          retries.push(attempt);
          if (attempt === 2) release();
        },
      },
    );
    await done();
    expect(retries).toEqual([1, 2]);
    expect(attempts).toBe(3);
    expect(value).toEqual({ attempt: 3, n: 1 });
  });

  it('gives up with a LockUnavailableError after the last attempt, and passes other errors at once', async () => {
    const { release, done } = await holdLock();
    try {
      const error = await withLockRetries(
        () => db.sql.begin((tx) => tx`set local lock_timeout = '10ms'`.then(() => tx`select * from t`)),
        { maxAttempts: 2, lockTimeoutMs: 10, what: 'reading t', random: () => 0 },
      ).then(
        () => expect.unreachable(),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LockUnavailableError);
      expect((error as DreamdbError).message).toMatch(
        /^Could not take a lock within 10 ms after 2 attempts for reading t \(canceling statement due to lock timeout\); nothing was changed\.$/,
      );
      expect((error as DreamdbError).code).toBe(ErrorCode.lockUnavailable);
    } finally {
      release();
      await done();
    }
    let calls = 0;
    const other = await withLockRetries(
      () => {
        calls += 1;
        return db.sql`select 1/0`;
      },
      { maxAttempts: 5, lockTimeoutMs: 10, what: 'x' },
    ).then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(sqlStateOf(other)).toBe('22012');
    expect(calls).toBe(1);
  });
});

describe('quoting and other databases', () => {
  it('creates, reaches and drops a database whose name needs quoting', async () => {
    const name = `dreamdb toolkit "Q" ${process.pid}`;
    await withDb(maintenanceUrl(serverUrl()), async (sql) => {
      await dropDatabase(sql, name, { force: true });
      await createDatabase(sql, name, { template: 'template0' });
    });
    try {
      const url = withDatabase(db.url, name);
      expect(databaseOf(url)).toBe(name);
      const [row] = await withDb(url, (sql) =>
        sql<{ d: string; lit: string }[]>`select current_database() as d`.then((r) =>
          sql.unsafe<{ d: string; lit: string }[]>(
            `select ${quoteLiteral("it's")} as lit, ${quoteLiteral(r[0]!.d)} as d`,
          ),
        ),
      );
      expect(row).toEqual({ d: name, lit: "it's" });
    } finally {
      await withDb(maintenanceUrl(serverUrl()), (sql) => dropDatabase(sql, name, { force: true }));
    }
  });

  it('quotes identifiers so Postgres reads them back unchanged', async () => {
    await db.sql.unsafe(
      `create schema ${quoteIdent('Odd "Schema"')}; create table ${quoteQualified('Odd "Schema"', 'a.b')} (x int)`,
    );
    const [row] = await db.sql<
      { s: string; t: string }[]
    >`select table_schema as s, table_name as t from information_schema.tables where table_name = 'a.b'`;
    expect(row).toEqual({ s: 'Odd "Schema"', t: 'a.b' });
  });

  it('keeps user, password, host and options when pointing at another database', () => {
    expect(withDatabase('postgresql://u:p%40ss@db.example:6543/app?sslmode=require', 'other db')).toBe(
      'postgresql://u:p%40ss@db.example:6543/other%20db?sslmode=require',
    );
    expect(databaseOf('postgresql://u@h')).toBe('postgres');
    expect(maintenanceUrl('postgresql://u@h/postgres')).toBe('postgresql://u@h/template1');
    expect(maintenanceUrl('postgresql://u@h/app')).toBe('postgresql://u@h/postgres');
    // libpq's empty host with ?host= (a Unix socket directory) still works.
    expect(withDatabase('postgresql://u@/app?host=/var/run/postgresql', 'x')).toBe(
      'postgresql://u@localhost/x?host=/var/run/postgresql',
    );
    expect(() => withDatabase('mysql://h/db', 'x')).toThrow(UsageError);
  });
});

describe('packagedSql', () => {
  it("reads dreamdb's own SQL once", () => {
    const text = packagedSql('dreamdb/ledger.sql');
    expect(text).toMatch(/create/i);
    expect(packagedSql('dreamdb/ledger.sql')).toBe(text);
    expect(() => packagedSql('dreamdb/nope.sql')).toThrow(/ENOENT/);
  });
});

describe('connection errors', () => {
  it('are ConnectionErrors (exit 2, code connection) that never show the password', async () => {
    const error = await withDb('postgresql://app:secret@127.0.0.1:1/app', (sql) => sql`select 1`, {
      connectTimeoutSeconds: 2,
    }).then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as ConnectionError).code).toBe(ErrorCode.connection);
    expect((error as ConnectionError).lost).toBe(false);
    expect((error as Error).message).toBe(
      'Cannot connect to postgresql://app:*****@127.0.0.1:1/app: nothing is listening there.',
    );
  });
});

describe('withMaintenanceDb', () => {
  it('runs on postgres, or on template1 when postgres is the database to leave alone', async () => {
    expect(
      await withMaintenanceDb(
        db.url,
        async (sql) => (await sql<{ d: string }[]>`select current_database() as d`)[0]!.d,
      ),
    ).toBe('postgres');
    expect(
      await withMaintenanceDb(
        db.url,
        async (sql) => (await sql<{ d: string }[]>`select current_database() as d`)[0]!.d,
        { avoid: 'postgres' },
      ),
    ).toBe('template1');
  });
  it('does not try template1 when the server itself is unreachable', async () => {
    const error = await withMaintenanceDb('postgresql://u:pw@127.0.0.1:1/app', async () => undefined, {
      connectTimeoutSeconds: 2,
    }).then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toBe(
      'Cannot connect to postgresql://u:*****@127.0.0.1:1/postgres: nothing is listening there.',
    );
  });

  it('does not retry elsewhere when fn itself fails', async () => {
    let runs = 0;
    const error = await withMaintenanceDb(db.url, async (sql) => {
      runs += 1;
      await sql`select 1/0`;
    }).then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(sqlStateOf(error)).toBe('22012');
    expect(runs).toBe(1);
  });
});

describe('withDbs', () => {
  it('opens one client per index with its own options, and ends them all', async () => {
    const tag = `dreamdb toolkit ${process.pid}`;
    const seen = await withDbs(
      db.url,
      3,
      async (clients) =>
        Promise.all(
          clients.map(
            async (sql) =>
              (
                await sql<
                  { pid: number; app: string }[]
                >`select pg_backend_pid() as pid, current_setting('application_name') as app`
              )[0]!,
          ),
        ),
      (i) => ({ connection: { application_name: `${tag} ${i}` } }),
    );
    expect(seen.map((s) => s.app)).toEqual([0, 1, 2].map((i) => `${tag} ${i}`));
    expect(new Set(seen.map((s) => s.pid)).size).toBe(3);
    // A backend leaves pg_stat_activity just after its client said goodbye: poll.
    const left = () => db.sql`select 1 from pg_stat_activity where application_name like ${`${tag}%`}`;
    for (let i = 0; i < 200 && (await left()).length; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(await left()).toHaveLength(0);
  });
});
