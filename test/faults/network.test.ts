/**
 * Every command behind a faulty network (issue 12): a proxy that accepts and closes during
 * startup, one that accepts and never answers, and one that cuts every connection mid-run. Each
 * command gives up within its bounds with one line and exit 2 (1 where a held lock was lost), and
 * leaves nothing half-done.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { createTestDatabase, migratedDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { expectOneLine, runCli, startCli, type CliResult } from '../helpers/cli.js';
import { artistRows, backendsWhen } from './pg.js';
import { seedDatabase } from '../backup/seed.js';
import { cell } from './matrix.js';
import { startProxy, type FaultProxy } from './proxy.js';

let proxy: FaultProxy;
let source: TestDatabase;
let admin: Sql;
let work: string;
let backupDir: string;
beforeAll(async () => {
  proxy = await startProxy(serverUrl());
  source = await migratedDatabase('faultnet');
  await seedDatabase(source.sql, { artists: 6, days: 400, platforms: 3 });
  admin = connect(serverUrl(), { max: 1 });
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-net-'));
  const made = await runCli(['backup', '--db', source.url, '--out', path.join(work, 'good')]);
  expect(made.code, made.stderr).toBe(0);
  backupDir = path.join(work, 'good', (await fs.readdir(path.join(work, 'good')))[0]!);
});
afterAll(async () => {
  await proxy.close();
  await admin.end();
  await source.drop();
  await fs.rm(work, { recursive: true, force: true });
});

const COMMANDS: { name: string; args: (url: string) => string[] }[] = [
  { name: 'migrate', args: (url) => ['migrate', '--db', url] },
  { name: 'seed', args: (url) => ['seed', '--db', url, '--scale', 'small', '--yes'] },
  { name: 'partitions rotate', args: (url) => ['partitions', 'rotate', '--db', url] },
  { name: 'partitions check', args: (url) => ['partitions', 'check', '--db', url] },
  { name: 'backup', args: (url) => ['backup', '--db', url, '--out', path.join(work, 'net-backup')] },
  { name: 'restore', args: (url) => ['restore', backupDir, '--db', url] },
  { name: 'audit-rls', args: (url) => ['audit-rls', '--db', url, '--only', 'isolation'] },
];

describe('the server cannot be reached properly', () => {
  for (const command of COMMANDS) {
    it(`${command.name}: accept-and-close gives up after a few attempts, exit 2`, async () => {
      cell(command.name, 'server accepts and closes during startup');
      proxy.mode = 'accept-close';
      proxy.accepted = 0;
      const result = await runCli(command.args(proxy.url(source.name)));
      expectOneLine(result, 2, /closes them during startup/);
      expect(proxy.accepted).toBeLessThanOrEqual(4);
    });

    it(`${command.name}: a server that never answers is given up on after connect_timeout, exit 2`, async () => {
      cell(command.name, 'server accepts and never answers');
      proxy.mode = 'hold';
      const result = await runCli(command.args(proxy.url(source.name)), { env: { PGCONNECT_TIMEOUT: '2' } });
      expectOneLine(result, 2, /timed out/);
    });
  }
});

/**
 * Runs a command through the proxy and cuts every connection (both sides, no goodbye) once one of
 * its backends on `database` runs a query LIKE `queryLike`.
 */
async function cutWhen(
  args: string[],
  database: string,
  queryLike: string,
): Promise<{ result: CliResult; cut: boolean }> {
  proxy.mode = 'pass';
  const { done } = startCli(args);
  let finished = false;
  void done.then(() => (finished = true));
  const pids = await backendsWhen(
    admin,
    { database, application: 'dreamdb%', queryLike, activeOnly: true },
    () => finished,
  );
  if (pids.length) proxy.drop();
  return { result: await done, cut: pids.length > 0 };
}

describe('the network drops every connection mid-run', () => {
  it('seed: one line (its lock went with the connection), nothing generated', async () => {
    cell('seed', 'network drop (proxy) mid-COPY');
    const target = await migratedDatabase('net_seed');
    try {
      const { result, cut } = await cutWhen(
        ['seed', '--db', proxy.url(target.name), '--scale', 'small', '--yes'],
        target.name,
        '%copy%',
      );
      expect(cut).toBe(true);
      expectOneLine(result, 1, /Lost the connection that held the dreamdb seed lock/);
      const [row] = await target.sql<
        { n: number }[]
      >`select count(*)::int as n from public.artists where username like 'gen%'`;
      expect(row!.n).toBe(0);
    } finally {
      await target.drop();
    }
  });

  it('backup: one line, exit 2, nothing that looks complete', async () => {
    cell('backup', 'network drop (proxy) mid-COPY');
    const out = path.join(work, 'cut-backup');
    const { result, cut } = await cutWhen(
      ['backup', '--db', proxy.url(source.name), '--out', out],
      source.name,
      '%copy%',
    );
    expect(cut).toBe(true);
    expectOneLine(result, 2, /Lost the connection to postgresql:\/\//);
    for (const e of await fs.readdir(out).catch(() => []))
      await expect(fs.access(path.join(out, e, 'manifest.json'))).rejects.toThrow();
  });

  it('restore: one line, exit 2, the target left empty', async () => {
    cell('restore', 'network drop (proxy) mid-COPY');
    const target = await createTestDatabase('net_restore');
    try {
      const { result, cut } = await cutWhen(
        ['restore', backupDir, '--db', proxy.url(target.name)],
        target.name,
        '%copy%',
      );
      expect(cut).toBe(true);
      expectOneLine(result, 2, /Lost the connection to postgresql:\/\//);
      expect(await artistRows(target.sql)).toBe(0);
    } finally {
      await target.drop();
    }
  });

  it('partitions rotate: one line, exit 1, and the next run finishes the rotation', async () => {
    cell('partitions rotate', 'network drop (proxy) mid-step');
    const target = await migratedDatabase('net_rotate');
    try {
      const args = (url: string) => ['partitions', 'rotate', '--db', url, '--ahead', '10'];
      // Cut under the rotation's lock (a cut while it plans, before the lock, is a plain exit 2).
      const { result, cut } = await cutWhen(args(proxy.url(target.name)), target.name, '%attach_metrics_partition%');
      expect(cut).toBe(true);
      expectOneLine(result, 1, /Lost the connection that held the rotation of public\.metrics lock/);
      const again = await runCli(args(target.url));
      expect(again.code, again.stderr).toBe(0);
      const check = await runCli(['partitions', 'check', '--db', target.url, '--ahead', '10']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
    } finally {
      await target.drop();
    }
  });

  it('audit-rls: one line, exit 2, nothing left behind', async () => {
    cell('audit-rls', 'network drop (proxy) mid-run');
    const before = await source.sql<{ n: number }[]>`select count(*)::int as n from public.artists`;
    const { result, cut } = await cutWhen(
      ['audit-rls', '--db', proxy.url(source.name), '--only', 'isolation'],
      source.name,
      '%set_config%',
    );
    expect(cut).toBe(true);
    expectOneLine(result, 2, /Lost the connection to postgresql:\/\//);
    expect(await source.sql`select count(*)::int as n from public.artists`).toEqual(before);
  });
});
