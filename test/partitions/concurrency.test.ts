import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { DreamdbError, LockUnavailableError } from '../../src/errors.js';
import { checkPartitions, listPartitions, rotatePartitions, type RotateEvent } from '../../src/partitions/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/errors.js';
import { waitFor } from '../helpers/wait.js';
import { addArtists, installPartitionsFixture, partitionStates, thisYear } from './fixture.js';

const Y = thisYear();
const d = (year: number, rest = '06-01') => `${year}-${rest}`;

let db: TestDatabase;
let sql: Sql;
const clients: Sql[] = [];
function client(applicationName = 'dreamdb-test'): Sql {
  const c = connect(db.url, { max: 1, connection: { application_name: applicationName } });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  db = await createTestDatabase('parts_conc');
  sql = db.sql;
  await installPartitionsFixture(sql);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end({ timeout: 1 })));
  await db?.drop();
});

/** Every year of the window attached, nothing left half-done, every partition protected. */
async function expectComplete(now: string, ahead: number, retain?: number): Promise<void> {
  const check = await checkPartitions(sql, { now, ahead, ...(retain !== undefined ? { retain } : {}) });
  expect(check.problems).toEqual([]);
  const list = await listPartitions(sql, { now, ahead });
  expect(list.partitions.filter((p) => p.state === 'detach_pending')).toEqual([]);
}

describe('two rotations at once', () => {
  it('end as if one had run', async () => {
    const options = { now: d(Y), ahead: 6, firstYear: Y - 4 };
    const [a, b] = await Promise.all([rotatePartitions(client(), options), rotatePartitions(client(), options)]);
    const created = [...a.applied, ...b.applied].map((s) => s.table).sort();
    expect(created).toEqual([Y - 4, Y - 3, Y - 2, Y + 2, Y + 3, Y + 4, Y + 5, Y + 6].map((y) => `metrics_y${y}`));
    expect([a.applied.length, b.applied.length]).toContain(0);
    await expectComplete(d(Y), 6);
  });

  it('the second waits for the first, or gives up with one line after --wait-timeout', async () => {
    const holder = client();
    await holder`select pg_advisory_lock(dreamdb.metrics_partitions_lock_key())`;
    const [holderPid] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid`;
    expect(
      (await rejection(rotatePartitions(client(), { now: d(Y), ahead: 3, lockWaitMs: 100 }), DreamdbError, 1)).message,
    ).toBe('Another rotation of public.metrics is running on this database and did not finish within 100 ms.');
    const events: RotateEvent[] = [];
    const waiting = rotatePartitions(client(), {
      now: d(Y),
      ahead: 3,
      lockWaitMs: 10_000,
      onProgress: (e) => events.push(e),
    });
    // Hold on for 300 ms after it started waiting (its connect may take a while on a loaded machine):
    // a hold measured against lockWaitedMs, not a wait for something to happen.
    await waitFor('the second rotation waiting for the lock', () => events.length > 0);
    await sleep(300);
    await holder`select pg_advisory_unlock(dreamdb.metrics_partitions_lock_key())`;
    const result = await waiting;
    expect(result.lockWaitedMs).toBeGreaterThanOrEqual(250);
    expect(events[0]).toEqual({ type: 'lock-wait', parent: 'public.metrics', holderPid: holderPid!.pid });
    expect(result.applied.map((s) => s.table)).toEqual([`metrics_y${Y + 2}`, `metrics_y${Y + 3}`]);
  });

  it('takes the wait from partitions.waitTimeout in the config file when no flag is given', async () => {
    const holder = client();
    await holder`select pg_advisory_lock(dreamdb.metrics_partitions_lock_key())`;
    const project = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-parts-config-'));
    try {
      await fs.writeFile(
        path.join(project, 'dreamdb.config.json'),
        JSON.stringify({ partitions: { waitTimeout: '200ms', lockAttempts: 2 } }),
      );
      const r = await runCli(['--db', db.url, 'partitions', 'rotate', '--ahead', '3'], { cwd: project });
      expect(r.code, r.stderr).toBe(1);
      // Within the config's 200 ms, not the default 30 s.
      expect(r.stderr).toContain(
        'Another rotation of public.metrics is running on this database and did not finish within 200 ms.',
      );
    } finally {
      await fs.rm(project, { recursive: true, force: true });
    }
  });
});

describe('a lock that never comes', () => {
  it('leaves no table behind: the one the run created is dropped, so nothing was changed', async () => {
    // Found by the held-out config tests: the error said "nothing was changed" while the new
    // table stayed, unattached, and `partitions check` then reported an interrupted rotation.
    const holder = client('holder');
    await holder`begin`;
    await holder`lock table public.metrics in share update exclusive mode`;
    try {
      const e = await rejection(
        rotatePartitions(client(), { now: d(Y), ahead: 2, lockTimeoutMs: 100, maxAttempts: 2 }),
        LockUnavailableError,
        1,
      );
      expect(e.message).toMatch(/after 2 attempts for attach metrics_y\d{4} .*; nothing was changed\.$/);
    } finally {
      await holder`rollback`;
    }
    const [left] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relname = ${`metrics_y${Y + 2}`}`;
    expect(left!.n).toBe(0);
    const check = await checkPartitions(sql, { now: d(Y), ahead: 1 });
    expect(check.problems.filter((p) => /not attached/.test(p))).toEqual([]);
  });
});

describe('killed and resumed', () => {
  it('adopts a table that was created but never attached', async () => {
    await sql`select dreamdb.create_metrics_partition_table(${Y + 2}::int)`;
    // Made by hand, without indexes or protection, and with Supabase's default grants.
    await sql.unsafe(`create table public.metrics_y${Y + 3} (like public.metrics)`);
    const before = await checkPartitions(sql, { now: d(Y), ahead: 3 });
    expect(before.problems).toContain(
      `metrics_y${Y + 2} exists but is not attached (interrupted rotation); run dreamdb partitions rotate`,
    );
    expect(before.problems).toContain(
      `metrics_y${Y + 3}: API roles hold privileges (anon: ALL; authenticated: ALL; service_role: ALL)`,
    );

    const result = await rotatePartitions(client(), { now: d(Y), ahead: 3 });
    expect(result.applied.map((s) => `${s.action} ${s.table}`)).toEqual([
      `adopt metrics_y${Y + 2}`,
      `adopt metrics_y${Y + 3}`,
    ]);
    await expectComplete(d(Y), 3);
  });

  it('finalizes a concurrent detach that was interrupted', async () => {
    // A reader holding metrics open makes the detach's second phase wait; its lock_timeout ends it.
    const reader = client();
    const detacher = client();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let opened!: () => void;
    const isOpen = new Promise<void>((r) => (opened = r));
    const hold = reader.begin(async (tx) => {
      await tx`select count(*) from metrics`;
      opened();
      await released;
    });
    await Promise.race([isOpen, hold]);
    await detacher`set lock_timeout = '200ms'`;
    await expect(
      detacher.unsafe(`alter table public.metrics detach partition public.metrics_y${Y - 1} concurrently`),
    ).rejects.toMatchObject({ code: '55P03' });
    expect(await partitionStates(sql)).toHaveProperty(`metrics_y${Y - 1}`, 'detach_pending');
    expect((await checkPartitions(sql, {})).problems).toContain(
      `metrics_y${Y - 1}: a concurrent detach was interrupted; run dreamdb partitions rotate to finalize it`,
    );
    release();
    await hold;

    const result = await rotatePartitions(client(), { now: d(Y), ahead: 1, firstYear: Y });
    expect(result.applied.map((s) => `${s.action} ${s.table}`)).toEqual([`finalize metrics_y${Y - 1}`]);
    expect(await partitionStates(sql)).toHaveProperty(`metrics_y${Y - 1}`, 'standalone');
  });

  it('finishes the job after the CLI is killed at any point', async () => {
    const archiveDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-kill-'));
    const artists = await addArtists(sql, 3);
    for (let y = Y - 1; y <= Y + 1; y += 1) {
      await sql`insert into metrics (artist_id, platform, metric_date) values (${artists[0]!}, 'spotify', ${d(y)})`;
    }
    const outcomes: string[] = [];
    let now = Y;
    // SIGKILL the rotating process right after its k-th progress event, for every k: the kill lands
    // in whatever comes next (lock, plan, create, attach, detach, archive, drop, analyze).
    for (let k = 0; k < 14; k += 1) {
      now += 1;
      const options = { now: d(now), ahead: 2, retain: 1, archiveDir, drop: true, lockTimeoutMs: 500 };
      outcomes.push(`${k}: ${await runAndKill(db.url, options, k)}`);
      // The next run finishes whatever the killed one left.
      await rotatePartitions(client(), { ...options, lockWaitMs: 10_000 });
      await expectComplete(d(now), 2, 1);
      const states = await partitionStates(sql);
      for (let y = now - 1; y <= now + 2; y += 1) expect(states[`metrics_y${y}`]).toBe('attached');
      expect(Object.keys(states).filter((t) => Number(t.slice(-4)) < now - 1)).toEqual([]);
      // Every retired year with a row was archived completely.
      for (let y = Y - 1; y <= Math.min(Y + 1, now - 2); y += 1) {
        const csv = await fs.readFile(path.join(archiveDir, `public.metrics_y${y}.csv`), 'utf8');
        expect(csv.trim().split('\n')).toHaveLength(2);
      }
    }
    // Years Y-1 .. Y+12 were retired along the way, one complete archive each.
    expect((await fs.readdir(archiveDir)).filter((f) => !f.endsWith('.partial'))).toHaveLength(14);
    expect(outcomes.filter((o) => o.includes('killed after')).length).toBeGreaterThanOrEqual(10);
    await fs.rm(archiveDir, { recursive: true, force: true });
    // 14 child processes: on a shared two-core machine this takes minutes, not seconds.
  }, 240_000);
});

/** Runs a rotation in a child process and SIGKILLs it after its k-th progress event. */
async function runAndKill(url: string, options: object, k: number): Promise<string> {
  const child = spawn(
    process.execPath,
    [path.resolve('test/partitions/rotate-child.mjs'), url, JSON.stringify(options)],
    {
      env: { ...process.env, DREAMDB_TEST_BUILD: inject('cliBuild') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let last = 'nothing';
  let killed = false;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    last = line;
    if (!killed && line.startsWith(`event ${k} `)) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  if (killed) return `killed after ${last}`;
  if (code !== 0) throw new Error(`rotate-child failed: ${stderr}`);
  return last;
}

describe('a rotation while the app writes', () => {
  it('blocks no insert and loses no row', async () => {
    const artists = await addArtists(sql, 50);
    const writers = [client('writer-1'), client('writer-2')];
    const platforms = ['instagram', 'spotify', 'youtube', 'tiktok', 'apple_music'];
    const inserted: string[] = [];
    const failures: string[] = [];
    let stop = false;
    let n = 0;
    const write = async (w: Sql) => {
      while (!stop) {
        const i = n++;
        const id = randomUUID();
        const day = new Date(Date.UTC(Y, 0, 1) + (Math.floor(i / 250) % 365) * 86_400_000).toISOString().slice(0, 10);
        try {
          await w`insert into metrics (id, artist_id, platform, metric_date, followers)
                  values (${id}, ${artists[i % 50]!}, ${platforms[Math.floor(i / 50) % 5]!}, ${day}, ${i})`;
          inserted.push(id);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const running = writers.map(write);
    // Both writers are writing before the rotation starts, and still after it ends.
    await waitFor('rows written before the rotation', () => inserted.length >= 50 || failures.length > 0);
    const events: RotateEvent[] = [];
    const created = await rotatePartitions(client(), { now: d(Y), ahead: 6, onProgress: (e) => events.push(e) });
    const retired = await rotatePartitions(client(), { now: d(Y), ahead: 6, retain: 0, drop: true });
    const afterRotation = inserted.length;
    await waitFor(
      'rows written after the rotation',
      () => inserted.length >= afterRotation + 60 || failures.length > 0,
    );
    stop = true;
    await Promise.all(running);

    expect(failures).toEqual([]);
    expect(created.applied.map((s) => s.table)).toEqual(
      [Y + 2, Y + 3, Y + 4, Y + 5, Y + 6].map((y) => `metrics_y${y}`),
    );
    expect(retired.applied.map((s) => `${s.action} ${s.table}`)).toEqual([
      `detach metrics_y${Y - 1}`,
      `drop metrics_y${Y - 1}`,
    ]);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(5);
    expect(inserted.length).toBeGreaterThan(100);
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from metrics where id = any(${inserted}::uuid[])`;
    expect(row!.n).toBe(inserted.length);
    await expectComplete(d(Y), 6, 0);
  });
});

describe('errors', () => {
  it('are DreamdbErrors with the step and a hint to run again', async () => {
    await sql.unsafe(`create view public.metrics_y${Y + 2} as select 1`);
    const error = await rotatePartitions(client(), { now: d(Y), ahead: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DreamdbError);
    expect((error as DreamdbError).message).toBe(
      `create metrics_y${Y + 2} [${Y + 2}-01-01, ${Y + 3}-01-01) (ahead) failed: dreamdb: public.metrics_y${Y + 2} exists and is not a table dreamdb can adopt`,
    );
  });
});
