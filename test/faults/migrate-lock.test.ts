/**
 * The exactly-once lock under connection loss (issue 12, item 1): when the connection holding
 * migrate's advisory lock dies, the run stops at once and never sends another statement; a second
 * run finishes the work, and nothing runs twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultMigrateSettings,
  runMigrations,
  type MigrateEvent,
  type MigrateSettings,
} from '../../src/migrate/engine.js';
import { LockLostError } from '../../src/db/socket.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrationDir } from '../helpers/files.js';
import { cell } from './matrix.js';
import { holdTableLock, terminate, waitForBackend } from './pg.js';
import { serverUrl } from '../helpers/db.js';
import { startProxy } from './proxy.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('faultlock');
});
afterEach(async () => {
  await db.drop();
});

const settings = (dir: string, overrides: Partial<MigrateSettings> = {}): MigrateSettings => ({
  ...defaultMigrateSettings,
  dir,
  ...overrides,
});

const FILES = {
  '20260101000000_log.sql':
    'create table public.log (id serial primary key, what text not null);\ncreate table public.t (x int);\n',
  '20260102000000_alter.sql': 'alter table public.t add column y int;\n',
  '20260103000000_slow.sql':
    "-- dreamdb:no-transaction\ninsert into public.log (what) values ('first');\nselect pg_sleep(4);\ninsert into public.log (what) values ('last');\n",
};

async function counts(): Promise<Record<string, number>> {
  const rows = await db.sql<
    { what: string; n: number }[]
  >`select what, count(*)::int as n from public.log group by what`;
  return Object.fromEntries(rows.map((r) => [r.what, r.n]));
}

describe('migrate: the lock under connection loss', () => {
  it('stops when its connection is terminated during lock-retry backoff; a second run applies everything once', async () => {
    cell('migrate', 'pg_terminate_backend during lock-retry backoff');
    const dir = await migrationDir({ '20260101000000_log.sql': FILES['20260101000000_log.sql'] });
    await runMigrations(db.url, { settings: settings(dir) });
    const { writeFile } = await import('../helpers/files.js');
    await writeFile(dir, '20260102000000_alter.sql', FILES['20260102000000_alter.sql']);
    await writeFile(dir, '20260103000000_slow.sql', FILES['20260103000000_slow.sql']);

    const blocker = await holdTableLock(db.url, 'public.t');
    let retried!: () => void;
    const inBackoff = new Promise<void>((r) => (retried = r));
    const events: MigrateEvent[] = [];
    const first = runMigrations(db.url, {
      settings: settings(dir, { lockTimeoutMs: 100, lockRetries: 20 }),
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'retry') retried();
      },
    });
    const firstResult = first.then(
      () => 'applied',
      (e: unknown) => e,
    );
    await inBackoff;
    const pid = await waitForBackend(db.sql, 'dreamdb migrate', '%');
    await terminate(db.sql, pid);
    await blocker.release();
    const outcome = await firstResult;
    expect(outcome).toBeInstanceOf(LockLostError);
    expect((outcome as LockLostError).exitCode).toBe(1);
    expect((outcome as Error).message).toMatch(/Lost the connection that held the dreamdb migrate lock/);

    const second = await runMigrations(db.url, { settings: settings(dir) });
    expect(second.applied.map((a) => a.version)).toEqual(['20260102000000', '20260103000000']);
    expect(await counts()).toEqual({ first: 1, last: 1 });
    const [ledger] =
      await db.sql`select count(*)::int as n, count(*) filter (where applied_at is null)::int as partial from dreamdb.migrations`;
    expect(ledger).toEqual({ n: 3, partial: 0 });
  });

  it('stops when its connection is terminated inside a no-transaction file; a second run resumes and the last insert runs once', async () => {
    cell('migrate', 'pg_terminate_backend inside a no-transaction file');
    const dir = await migrationDir(FILES);
    const first = runMigrations(db.url, { settings: settings(dir) }).then(
      () => 'applied',
      (e: unknown) => e,
    );
    const pid = await waitForBackend(db.sql, 'dreamdb migrate', 'select pg_sleep(4)%');
    await terminate(db.sql, pid);
    const outcome = await first;
    expect(outcome).toBeInstanceOf(LockLostError);

    // The second run starts while nothing else holds the lock: it resumes at the sleep.
    const events: MigrateEvent[] = [];
    const second = await runMigrations(db.url, { settings: settings(dir), onEvent: (e) => events.push(e) });
    expect(second.applied.map((a) => a.version)).toEqual(['20260103000000']);
    expect(events.find((e) => e.type === 'start')).toMatchObject({ resumeFrom: 1 });
    expect(await counts()).toEqual({ first: 1, last: 1 });
  });

  it('a second run started while the first is cut off never overlaps it', async () => {
    cell('migrate', 'second migrate racing a run whose connection died');
    const dir = await migrationDir(FILES);
    const first = runMigrations(db.url, { settings: settings(dir) }).then(
      () => 'applied',
      (e: unknown) => e,
    );
    const pid = await waitForBackend(db.sql, 'dreamdb migrate', 'select pg_sleep(4)%');
    await terminate(db.sql, pid);
    const second = runMigrations(db.url, { settings: settings(dir) });
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBeInstanceOf(LockLostError);
    expect(b.applied.map((x) => x.version)).toEqual(['20260103000000']);
    expect(await counts()).toEqual({ first: 1, last: 1 });
  });

  it('stops when the network drops under it (proxy), and a direct run finishes the file once', async () => {
    cell('migrate', 'network drop (proxy) inside a no-transaction file');
    const proxy = await startProxy(serverUrl());
    try {
      const dir = await migrationDir(FILES);
      const first = runMigrations(proxy.url(db.name), { settings: settings(dir) }).then(
        () => 'applied',
        (e: unknown) => e,
      );
      await waitForBackend(db.sql, 'dreamdb migrate', 'select pg_sleep(4)%');
      proxy.drop();
      const outcome = await first;
      expect(outcome).toBeInstanceOf(LockLostError);
      const second = await runMigrations(db.url, { settings: settings(dir) });
      expect(second.applied.map((a) => a.version)).toEqual(['20260103000000']);
      expect(await counts()).toEqual({ first: 1, last: 1 });
    } finally {
      await proxy.close();
    }
  });
});
