/**
 * The Node load engine: the virtual users (closed loop) or the schedule (open loop) spread over
 * worker threads, each with its own connections (load-worker.ts). All threads start on one
 * epoch-millisecond instant; their samples are merged here. CPU is read around the run: this
 * process (all threads: harness and driver) and, when the server runs on this machine, the
 * server's processes.
 */
import { Worker } from 'node:worker_threads';
import { backendCpuMs, postmasterOf, processCpuMs, serverCpuMs } from './cpu.js';
import type { LoadSpec, WorkerResult, WorkerSpec } from './load-worker.js';
import { concat, summarize, type Summary } from './stats.js';
import { integerWeights, type BenchTransaction, type Subject } from './transactions.js';

export interface LoadOptions {
  url: string;
  transactions: BenchTransaction[];
  subjects: Subject[];
  /** Connections in all (PostgREST's pool); split over the threads. */
  connections: number;
  threads: number;
  /** closed: clients in all; rate: requests/s in all; users: in all. */
  load: LoadSpec;
  durationMs: number;
  seed: number;
  appName?: string;
  drainMs?: number;
  /** Keep every request's latency in `samples` (for callers that combine runs). */
  keepSamples?: boolean;
}

export interface TypeLoad {
  name: string;
  requests: number;
  errors: number;
  errorMessages: string[];
  throughput: number;
  latency: Summary;
  meanBytes: number;
}

export interface CpuPerRequest {
  /** This process, all threads (harness and postgres.js), ms per request. */
  clientMs: number;
  /** Busy time of the load threads' event loops, ms per request. */
  threadsActiveMs: number;
  /** The database server's processes, ms per request; null when the server is not local. */
  serverMs: number | null;
}

export interface LoadResult {
  engine: 'dreamdb';
  threads: number;
  connections: number;
  load: LoadSpec;
  durationMs: number;
  /** Completed requests (errors included). */
  requests: number;
  errors: number;
  /** Open loop: requests due in the window that were still queued when the drain time ran out. */
  notStarted: number;
  /** Completed requests per second of the window. */
  throughput: number;
  /** Open loop: the rate asked for. */
  offeredRate: number | null;
  latency: Summary;
  /** Time waiting for a free connection (the pool), on a connection (database + network + driver), and behind schedule (harness). */
  poolWait: Summary;
  service: Summary;
  lag: Summary;
  types: TypeLoad[];
  cpu: CpuPerRequest;
  /** Latency samples of all requests (ms), for callers that combine runs; not serialized. */
  samples?: Float64Array;
}

const now = () => performance.timeOrigin + performance.now();

/** A load thread. From the sources (tsx, vitest) the worker is TypeScript: it is loaded through tsx's loader. */
function startWorker(spec: WorkerSpec): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./load-worker.js', import.meta.url), { workerData: spec });
  const file = new URL('./load-worker.ts', import.meta.url).href;
  const boot = `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(file)}); })()`;
  return new Worker(boot, { eval: true, workerData: spec });
}

/** Splits n into `parts` near-equal whole shares. */
export function split(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  if (!o.subjects.length) throw new Error('no subjects to sign in as');
  const threads = Math.max(1, Math.min(o.threads, o.connections, o.load.kind === 'closed' ? o.load.clients : Infinity));
  const conns = split(o.connections, threads);
  const clients = o.load.kind === 'closed' ? split(o.load.clients, threads) : [];
  const weights = integerWeights(o.transactions);
  const workers = conns.map((connections, part) => {
    const spec: WorkerSpec = {
      url: o.url,
      appName: o.appName ?? 'dreamdb bench',
      connections,
      transactions: o.transactions,
      weights,
      subjects: o.subjects,
      seed: o.seed,
      part,
      parts: threads,
      durationMs: o.durationMs,
      drainMs: o.drainMs ?? 5_000,
      load: o.load.kind === 'closed' ? { kind: 'closed', clients: clients[part]! } : o.load,
    };
    return startWorker(spec);
  });
  // Each thread reports 'ready' (connected, statements prepared) then 'done'; an error or an early exit fails both.
  const channels = workers.map((w) => {
    let ready!: (pids: number[]) => void;
    let done!: (r: WorkerResult) => void;
    let fail!: (e: Error) => void;
    const readyP = new Promise<number[]>((res, rej) => {
      ready = res;
      fail = rej;
    });
    const doneP = new Promise<WorkerResult>((res, rej) => {
      done = res;
      const f = fail;
      fail = (e) => {
        f(e);
        rej(e);
      };
    });
    readyP.catch(() => {});
    doneP.catch(() => {});
    w.on('message', (m: { type: string; pids?: number[]; result?: WorkerResult; message?: string }) => {
      if (m.type === 'ready') ready(m.pids!);
      else if (m.type === 'done') done(m.result!);
      else if (m.type === 'failed') fail(new Error(m.message));
    });
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => fail(new Error(`a load thread exited (${code}) before reporting`)));
    return { readyP, doneP };
  });
  try {
    const pids = (await Promise.all(channels.map((c) => c.readyP))).flat();
    const postmaster = pids.length && backendCpuMs(pids[0]!) !== null ? postmasterOf(pids[0]!) : null;
    const server0 = postmaster ? serverCpuMs(postmaster) : null;
    const client0 = processCpuMs();
    const start = now() + 50;
    for (const w of workers) w.postMessage({ type: 'start', at: start });
    const results = await Promise.all(channels.map((c) => c.doneP));
    const clientMs = processCpuMs() - client0;
    const server1 = postmaster ? serverCpuMs(postmaster) : null;
    for (const w of workers) w.postMessage({ type: 'close' });
    return merge(o, threads, results, clientMs, server0 !== null && server1 !== null ? server1 - server0 : null);
  } finally {
    // Let the threads close their connections (Terminate sent), then stop them.
    await Promise.race([
      Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve)))),
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function merge(
  o: LoadOptions,
  threads: number,
  results: WorkerResult[],
  clientMs: number,
  serverMs: number | null,
): LoadResult {
  const seconds = o.durationMs / 1000;
  const types: TypeLoad[] = o.transactions.map((t, i) => {
    const samples = concat(results.map((r) => r.latency[i]!));
    const errors = results.reduce((a, r) => a + r.errors[i]!, 0);
    const bytes = results.reduce((a, r) => a + r.bytes[i]!, 0);
    return {
      name: t.name,
      requests: samples.length,
      errors,
      errorMessages: [...new Set(results.flatMap((r) => r.errorMessages[i]!))].slice(0, 3),
      throughput: samples.length / seconds,
      latency: summarize(samples),
      meanBytes: samples.length - errors > 0 ? bytes / (samples.length - errors) : 0,
    };
  });
  const all = concat(results.flatMap((r) => r.latency));
  const requests = all.length;
  const active = results.reduce((a, r) => a + r.activeMs, 0);
  const per = (ms: number | null) => (ms === null || !requests ? null : ms / requests);
  return {
    engine: 'dreamdb',
    threads,
    connections: o.connections,
    load: o.load,
    durationMs: o.durationMs,
    requests,
    errors: types.reduce((a, t) => a + t.errors, 0),
    notStarted: results.reduce((a, r) => a + r.notStarted, 0),
    throughput: requests / seconds,
    offeredRate:
      o.load.kind === 'rate' ? o.load.rate : o.load.kind === 'users' ? (o.load.users * 1000) / o.load.thinkMs : null,
    latency: summarize(all),
    poolWait: summarize(concat(results.map((r) => r.poolWait))),
    service: summarize(concat(results.map((r) => r.service))),
    lag: summarize(concat(results.map((r) => r.lag))),
    types,
    cpu: { clientMs: per(clientMs) ?? 0, threadsActiveMs: per(active) ?? 0, serverMs: per(serverMs) },
    ...(o.keepSamples ? { samples: all } : {}),
  };
}
