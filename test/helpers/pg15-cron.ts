/**
 * A throwaway PostgreSQL 15 cluster with pg_cron preloaded, on a free port, for the tests that
 * need pg_cron for real (shared_preload_libraries needs a restart: the machine's shared server is
 * never touched). Needs Debian's postgresql-15 and postgresql-15-cron (.ci/run installs the latter).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const LIB = '/usr/lib/postgresql/15/lib/pg_cron.so';

/** Why the cluster cannot be started here, or undefined when it can. */
export function pgCronUnavailable(): string | undefined {
  if (!existsSync(path.join(BIN, 'initdb'))) return `PostgreSQL 15 binaries not found in ${BIN}`;
  if (!existsSync(LIB)) return 'pg_cron for PostgreSQL 15 is not installed (apt-get install postgresql-15-cron)';
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser'))
    return 'running as root without runuser to start postgres as its own user';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface CronCluster {
  /** Superuser URL of the database pg_cron runs in (cron.database_name). */
  url: string;
  stop(): Promise<void>;
}

export async function startCronCluster(database: string): Promise<CronCluster> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-pgcron-'));
  await fs.chmod(root, 0o755);
  const data = path.join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('/usr/sbin/runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  await fs.mkdir(data, { mode: 0o700 });
  if (asRoot) await run('chown', ['-R', 'postgres:postgres', root]);
  await as(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-k ${root}`,
    '-c shared_preload_libraries=pg_cron',
    `-c cron.database_name=${database}`,
    '-c fsync=off',
  ].join(' ');
  await as(path.join(BIN, 'pg_ctl'), ['-D', data, '-o', options, '-l', path.join(root, 'log'), '-w', 'start']);
  const base = `postgresql://postgres@127.0.0.1:${port}`;
  await run(path.join(BIN, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database]);
  return {
    url: `${base}/${database}`,
    stop: async () => {
      await as(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
