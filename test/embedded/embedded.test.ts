import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import net from 'node:net';
import {
  embeddedPaths,
  repairSymlinks,
  runningServer,
  startPersistent,
  status,
  stopPersistent,
} from '../../src/db/embedded.js';
import { runCli, startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

// A project of its own, so this file's embedded server is not the run's shared one.
let project: string;
beforeAll(async () => {
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-emb-'));
  await fs.chmod(project, 0o755);
  await fs.mkdir(path.join(project, 'sql/migrations'), { recursive: true });
  await fs.writeFile(
    path.join(project, 'sql/migrations/20260101000000_one.sql'),
    'create table public.one (id int);\nalter table public.one enable row level security;\n',
  );
});
afterAll(async () => {
  await runCli(['db', 'stop'], { cwd: project });
});

describe('the embedded default', () => {
  it('is created and started on demand, then stopped when the command ends', async () => {
    const before = await runCli(['db', 'status', '--json'], { cwd: project });
    expect(JSON.parse(before.stdout)).toMatchObject({ initialised: false, running: false });
    const m = await runCli(['migrate', '--json'], { cwd: project });
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).target).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(embedded\)$/);
    const after = JSON.parse((await runCli(['db', 'status', '--json'], { cwd: project })).stdout);
    expect(after).toMatchObject({ initialised: true, running: false });
  });

  it('db start keeps it running across commands; db url gives a working connection string; db stop stops it', async () => {
    const started = await runCli(['db', 'start', '--json'], { cwd: project });
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ running: true, mode: 'persistent' });
    const url = (await runCli(['db', 'url'], { cwd: project })).stdout.trim();
    expect(url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const st = await runCli(['status', '--json'], { cwd: project });
    expect(JSON.parse(st.stdout).counts.applied).toBe(1);
    const sql = connect(url);
    const [row] =
      await sql`select current_setting('wal_level') as wal, current_setting('shared_preload_libraries') as spl, current_setting('listen_addresses') as listen, version() as v`;
    await sql.end();
    expect(row).toMatchObject({ wal: 'logical', spl: 'pg_stat_statements', listen: '127.0.0.1' });
    expect(row!.v).toMatch(/^PostgreSQL 17\./);
    expect(JSON.parse((await runCli(['db', 'status', '--json'], { cwd: project })).stdout).running).toBe(true);
    const stopped = await runCli(['db', 'stop', '--json'], { cwd: project });
    expect(JSON.parse(stopped.stdout).running).toBe(false);
    const noUrl = await runCli(['db', 'url'], { cwd: project });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain('dreamdb db start');
  });

  it('recovers after kill -9 of a dreamdb that started the server on demand', async () => {
    await fs.writeFile(path.join(project, 'sql/migrations/20260102000000_slow.sql'), 'select pg_sleep(30);\n');
    const run = startCli(['migrate'], { cwd: project });
    const paths = embeddedPaths(path.join(project, '.dreamdb'));
    // Killed while its migration runs on the server it started.
    const server = await waitFor('the embedded server started by migrate', () => runningServer(paths), {
      timeoutMs: 60_000,
    });
    const probe = connect(`postgresql://postgres@127.0.0.1:${server.port}/postgres`, { max: 1 });
    try {
      await waitFor(
        'the slow migration running',
        async () =>
          (
            await probe`select 1 from pg_stat_activity where query like 'select pg_sleep(30)%' and pid <> pg_backend_pid()`
          ).length > 0,
        { timeoutMs: 60_000, retryErrors: true },
      );
    } finally {
      await probe.end({ timeout: 1 });
    }
    run.child.kill('SIGKILL');
    await run.done;
    expect(runningServer(paths)).toBeDefined(); // Postgres outlives the killed client
    await fs.rm(path.join(project, 'sql/migrations/20260102000000_slow.sql'));
    const next = await runCli(['status', '--json'], { cwd: project });
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout).counts.applied).toBe(1);
    expect((await status(paths)).running).toBe(false); // the dead lease did not keep it up
  });

  it("shows Postgres's own log lines when the server cannot start", async () => {
    const conf = path.join(project, '.dreamdb/pgdata/postgresql.conf');
    const original = await fs.readFile(conf, 'utf8');
    await fs.appendFile(conf, '\nshared_buffers = nonsense\n');
    try {
      const r = await runCli(['status'], { cwd: project });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('The embedded PostgreSQL server did not start.');
      expect(r.stderr).toMatch(/shared_buffers/);
    } finally {
      await fs.writeFile(conf, original);
    }
  });
});

describe('the embedded port', () => {
  it('stays the same across stop and start while it is free, and moves (and is kept) when taken', async () => {
    const paths = embeddedPaths(path.join(project, '.dreamdb'));
    const first = (await startPersistent(paths)).port!;
    await stopPersistent(paths);
    expect((await startPersistent(paths)).port).toBe(first);
    await stopPersistent(paths);
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(first, '127.0.0.1', resolve));
    try {
      const moved = (await startPersistent(paths)).port!;
      expect(moved).not.toBe(first);
      await stopPersistent(paths);
      expect(Number(await fs.readFile(paths.port, 'utf8'))).toBe(moved);
      expect((await startPersistent(paths)).port).toBe(moved);
    } finally {
      await stopPersistent(paths);
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

describe('repairSymlinks', () => {
  it('recreates library links an install without scripts left out', async () => {
    const pkg = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-links-'));
    await fs.mkdir(path.join(pkg, 'native/lib'), { recursive: true });
    await fs.writeFile(path.join(pkg, 'native/lib/libx.so.1.2'), 'binary');
    await fs.writeFile(
      path.join(pkg, 'native/pg-symlinks.json'),
      JSON.stringify([
        { source: 'native/lib/libx.so.1.2', target: 'native/lib/libx.so.1' },
        { source: 'native/lib/libx.so.1.2', target: 'native/lib/libx.so' },
      ]),
    );
    expect(await repairSymlinks(path.join(pkg, 'native'))).toBe(2);
    expect(await fs.readFile(path.join(pkg, 'native/lib/libx.so.1'), 'utf8')).toBe('binary');
    expect(await repairSymlinks(path.join(pkg, 'native'))).toBe(0);
  });
});
