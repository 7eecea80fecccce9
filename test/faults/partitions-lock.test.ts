/**
 * Unattended partitions commands behind another session's lock (issue 12, item 7): `partitions
 * check` says it cannot look (exit 3), `rotate` fails with one line, and the pg_cron procedure
 * fails, each while the lock is still held: none waits for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { cell } from './matrix.js';
import { holdTableLock } from './pg.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('faultparts');
});
afterAll(async () => {
  await db.drop();
});

/**
 * Runs fn while another session holds ACCESS EXCLUSIVE on metrics. The lock is let go after 30 s
 * whatever happens, so a command that waits for it makes the test fail instead of hang; `heldAtEnd`
 * says whether fn finished while the lock was still held.
 */
async function behindLock<T>(fn: () => Promise<T>): Promise<{ value: T; heldAtEnd: boolean }> {
  const lock = await holdTableLock(db.url, 'public.metrics');
  let held = true;
  const timer = setTimeout(() => {
    held = false;
    void lock.release();
  }, 30_000);
  try {
    const value = await fn();
    return { value, heldAtEnd: held };
  } finally {
    clearTimeout(timer);
    held = false;
    await lock.release();
  }
}

describe('partitions behind a LOCK TABLE metrics IN ACCESS EXCLUSIVE MODE', () => {
  it('check: exit 3, says it could not look, before the lock is released', async () => {
    cell('partitions check', 'ACCESS EXCLUSIVE lock held on metrics');
    const { value: r, heldAtEnd } = await behindLock(() => runCli(['partitions', 'check', '--db', db.url]));
    expect(heldAtEnd).toBe(true);
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toContain('another session holds a lock on it');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rotate: exit 1 with one line, before the lock is released, nothing changed', async () => {
    cell('partitions rotate', 'ACCESS EXCLUSIVE lock held on metrics');
    const before =
      await db.sql`select count(*)::int as n from pg_inherits where inhparent = 'public.metrics'::regclass`;
    const { value: r, heldAtEnd } = await behindLock(() =>
      runCli(['partitions', 'rotate', '--db', db.url, '--ahead', '6']),
    );
    expect(heldAtEnd).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Could not read the partitions of public.metrics: another session holds a lock on it');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(
      await db.sql`select count(*)::int as n from pg_inherits where inhparent = 'public.metrics'::regclass`,
    ).toEqual(before);
  });

  it('the pg_cron procedure fails with 55P03 instead of waiting and reporting success', async () => {
    cell('pg_cron rotate procedure', 'ACCESS EXCLUSIVE lock held on metrics');
    const { value: outcome, heldAtEnd } = await behindLock(() =>
      db.sql`call dreamdb.rotate_metrics_partitions(6)`.then(
        () => 'succeeded',
        (e: { code?: string }) => e.code,
      ),
    );
    expect(heldAtEnd).toBe(true);
    expect(outcome).toBe('55P03');
  });
});
