/**
 * Bounded connects (issue 12, item 3): a listener that accepts and closes, one that accepts and
 * never answers, one that drops every connection, and a slow one. Each gives one line and exit 2
 * within the configured connect timeout, or (slow) simply works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDb } from '../../src/db/connect.js';
import { ConnectionError, UsageError } from '../../src/errors.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/errors.js';
import { cell } from './matrix.js';
import { startProxy, type FaultProxy } from './proxy.js';

let proxy: FaultProxy;
let db: TestDatabase;
beforeAll(async () => {
  proxy = await startProxy(serverUrl());
  db = await createTestDatabase('faultconn');
});
afterAll(async () => {
  await proxy.close();
  await db.drop();
});

function oneLine(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() && !/^\s*(hint|→)/i.test(l));
}

describe('connecting through a faulty network', () => {
  it('accept-and-close: status exits 2 with one line and a hint after a few attempts, not forever', async () => {
    cell('status', 'server accepts and closes during startup');
    proxy.mode = 'accept-close';
    proxy.accepted = 0;
    const result = await runCli(['status', '--db', proxy.url(db.name)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('closes them during startup');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(proxy.accepted).toBeGreaterThan(0);
    expect(proxy.accepted).toBeLessThanOrEqual(4);
  });

  it('accept-and-close, in process: the same error from withDb', async () => {
    cell('withDb (every command)', 'server accepts and closes during startup');
    proxy.mode = 'accept-close';
    const error = await rejection(
      withDb(proxy.url(db.name), async () => 'connected'),
      ConnectionError,
      2,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(
      /^Cannot connect to postgresql:\/\/.*: the server accepts connections and closes them during startup/,
    );
  });

  it('hold (accepts, never answers): exit 2 once connect_timeout has passed', async () => {
    cell('status', 'server accepts and never answers');
    proxy.mode = 'hold';
    const started = Date.now();
    const result = await runCli(['status', '--db', `${proxy.url(db.name)}?connect_timeout=1`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the connection timed out');
    // Bounded by the timeout (1 s) plus start-up of the CLI; generous for a loaded machine.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('nothing listening: exit 2, one line', async () => {
    cell('status', 'nothing listening');
    const result = await runCli(['status', '--db', 'postgresql://postgres@127.0.0.1:1/x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nothing is listening there');
    expect(oneLine(result.stderr)).toHaveLength(1);
  });

  it('slow network: works, just slower', async () => {
    cell('status', 'slow network (100 ms per chunk)');
    proxy.mode = 'slow';
    proxy.slowMs = 100;
    const result = await withDb(proxy.url(db.name), async (sql) => (await sql`select 41 + 1 as n`)[0]!.n);
    expect(result).toBe(42);
    proxy.mode = 'pass';
  });

  it('[::1] hosts and ?host= socket URLs are understood', async () => {
    cell('connect', 'IPv6 literal host / ?host= URL');
    const url = new URL(db.url);
    // [::1] only works where the server listens on IPv6; the parse must at least not say "does not resolve".
    const v6 = new URL(db.url);
    v6.hostname = '[::1]';
    const error = await withDb(v6.toString(), async () => 'ok').catch((e: unknown) => e);
    if (error !== 'ok') expect((error as Error).message).not.toContain('does not resolve');
    const viaParam = `postgresql://${url.username}@/${db.name}?host=${url.hostname}&port=${url.port}`;
    expect(await withDb(viaParam, async (sql) => (await sql`select 1 as n`)[0]!.n)).toBe(1);
  });
  it('sslmode=require against a server without SSL: exit 2 and a hint that names SSL, not the host', async (ctx) => {
    const [row] = await db.sql<{ ssl: string }[]>`show ssl`;
    if (row?.ssl === 'on') ctx.skip(); // this server offers SSL, so the refusal cannot be provoked here
    cell('status', 'sslmode=require against a server without SSL');
    const url = new URL(db.url);
    url.searchParams.set('sslmode', 'require');
    const result = await runCli(['status', '--db', url.toString()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/hint: .*asks for SSL/);
    expect(result.stderr).not.toContain('Check the host and port');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
