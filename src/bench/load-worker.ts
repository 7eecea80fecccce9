/**
 * One load-generating thread: its own connections (wire.ts: one socket each), its share of the
 * virtual users or of the schedule, and as little work per request as the job allows: pick a
 * transaction and a subject, write the transaction's pre-encoded bytes (BEGIN, the
 * impersonation, the query, COMMIT, one Sync: one round trip), record four numbers. Started by
 * engine.ts; talks to it by messages only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { rateSchedule, usersSchedule, type Schedule } from './schedule.js';
import { paramValue, type BenchTransaction, type Subject } from './transactions.js';
import { rng } from './rng.js';
import { encode, WireConnection } from './wire.js';

export type LoadSpec =
  | { kind: 'closed'; clients: number }
  | { kind: 'rate'; rate: number }
  | { kind: 'users'; users: number; thinkMs: number };

export interface WorkerSpec {
  url: string;
  appName: string;
  connections: number;
  transactions: BenchTransaction[];
  weights: number[];
  subjects: Subject[];
  seed: number;
  load: LoadSpec;
  part: number;
  parts: number;
  durationMs: number;
  /** How long in-flight and queued requests may finish after the end of an open-loop run. */
  drainMs: number;
}

export interface WorkerResult {
  /** Per transaction: latency (ms) from the scheduled (open loop) or actual (closed loop) start. */
  latency: Float64Array[];
  errors: number[];
  errorMessages: string[][];
  bytes: number[];
  /** Per request, in completion order: waiting for a connection (ms), and on it (ms). */
  poolWait: Float64Array;
  service: Float64Array;
  /** Open loop: how late the harness started requests against their schedule (ms). */
  lag: Float64Array;
  /** Requests due in the window that never started (the run ended with them queued). */
  notStarted: number;
  /** Busy time of this thread's event loop during the run (ms). */
  activeMs: number;
  elapsedMs: number;
}

type Conn = WireConnection;

const now = () => performance.timeOrigin + performance.now();

class Growable {
  data = new Float64Array(4096);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  take(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Statement names on every connection: t<i>b/i/q for transaction i (COMMIT is `c`). */
function statementsOf(t: BenchTransaction, i: number): { name: string; text: string }[] {
  return [
    ...(t.begin
      ? [
          { name: `t${i}b`, text: t.begin },
          { name: `t${i}i`, text: t.impersonate! },
        ]
      : []),
    { name: `t${i}q`, text: t.query },
  ];
}

/** The bytes of transaction i as subject s: encoded once, written as one buffer each time. */
function encoder(transactions: readonly BenchTransaction[], subjects: readonly Subject[]) {
  const cache = new Map<number, Buffer>();
  const commit = encode.bindExecute('c', []);
  const sync = encode.sync();
  return (i: number, s: number): Buffer => {
    const key = i * subjects.length + s;
    let bytes = cache.get(key);
    if (!bytes) {
      const t = transactions[i]!;
      const subject = subjects[s]!;
      const query = encode.bindExecute(
        `t${i}q`,
        t.params.map((p) => paramValue(p, subject)),
      );
      bytes = t.begin
        ? Buffer.concat([
            encode.bindExecute(`t${i}b`, []),
            encode.bindExecute(`t${i}i`, [subject.claims]),
            query,
            commit,
            sync,
          ])
        : Buffer.concat([query, sync]);
      cache.set(key, bytes);
    }
    return bytes;
  };
}

async function main(spec: WorkerSpec): Promise<void> {
  const port = parentPort!;
  const conns: Conn[] = [];
  try {
    for (let i = 0; i < spec.connections; i += 1) conns.push(await WireConnection.connect(spec.url, spec.appName));
    const pids = conns.map((c) => c.pid);
    const encodeTx = encoder(spec.transactions, spec.subjects);
    // Prepare every statement on every connection, and run each transaction once, before the clock starts (as a warm pool has).
    // A statement that does not prepare (a broken request in the mix) fails every request of its type, counted, not thrown.
    const unprepared = new Map<number, string>();
    for (const c of conns) {
      await c.prepare([{ name: 'c', text: 'commit' }]);
      for (const [i, t] of spec.transactions.entries()) {
        for (const st of statementsOf(t, i)) {
          try {
            await c.prepare([st]);
          } catch (error) {
            unprepared.set(i, (error as Error).message);
          }
        }
        if (!unprepared.has(i)) await c.send(encodeTx(i, 0), t.begin ? 2 : 0);
      }
    }
    const start = await new Promise<number>((resolve) => {
      port.once('message', (m: { type: string; at: number }) => resolve(m.at));
      port.postMessage({ type: 'ready', pids });
    });
    const result = await drive(spec, conns, start, encodeTx, unprepared);
    // The connections stay open until told: the server's CPU is read while its backends live.
    const closing = new Promise<void>((resolve) => port.once('message', () => resolve()));
    port.postMessage({ type: 'done', result }, [
      ...result.latency.map((a) => a.buffer),
      result.poolWait.buffer,
      result.service.buffer,
      result.lag.buffer,
    ] as ArrayBuffer[]);
    await Promise.race([closing, sleep(30_000)]);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    port.postMessage({ type: 'failed', message: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}` });
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    // End the thread now (pending timers would keep it alive).
    process.exit(0);
  }
}

async function drive(
  spec: WorkerSpec,
  conns: Conn[],
  startAt: number,
  encodeTx: (i: number, s: number) => Buffer,
  unprepared: ReadonlyMap<number, string>,
): Promise<WorkerResult> {
  const n = spec.transactions.length;
  const latency = Array.from({ length: n }, () => new Growable());
  const errors = new Array<number>(n).fill(0);
  const errorMessages: string[][] = Array.from({ length: n }, () => []);
  const bytes = new Array<number>(n).fill(0);
  const poolWait = new Growable();
  const service = new Growable();
  const lag = new Growable();
  const random = rng(spec.seed * 7919 + spec.part);
  const total = spec.weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  spec.weights.reduce((acc, w) => (cumulative.push(acc + w), acc + w), 0);
  const pick = () => {
    const x = random() * total;
    let i = 0;
    while (i < n - 1 && x >= cumulative[i]!) i += 1;
    return i;
  };
  const subjects = spec.subjects;
  const bodyOf = spec.transactions.map((t) => (t.begin ? 2 : 0));

  // Callbacks, not promises: a request is a few closures' work between two socket events.
  const free: Conn[] = [...conns];
  /** Requests waiting for a connection: when they were due and asked, and what to call when done. */
  const waiting: { due: number; asked: number; then: (() => void) | null }[] = [];
  let inflight = 0;
  let drained: (() => void) | null = null;

  const finish = (
    c: Conn | null,
    i: number,
    due: number,
    asked: number,
    got: number,
    bodyBytes: number,
    error: string | null,
    then: (() => void) | null,
  ) => {
    const done = now();
    if (error === null) bytes[i]! += bodyBytes;
    else {
      errors[i]! += 1;
      if (errorMessages[i]!.length < 3 && !errorMessages[i]!.includes(error)) errorMessages[i]!.push(error);
    }
    latency[i]!.push(done - due);
    poolWait.push(got - asked);
    service.push(done - got);
    lag.push(asked - due);
    inflight -= 1;
    if (c) {
      const w = waiting.shift();
      if (w) run(c, w.due, w.asked, done, w.then);
      else free.push(c);
    }
    if (then) then();
    if (inflight === 0 && drained) drained();
  };

  /** Runs one request on connection c; latency counts from `due`. */
  const run = (c: Conn, due: number, asked: number, got: number, then: (() => void) | null) => {
    const i = pick();
    const s = Math.floor(random() * subjects.length);
    const failed = unprepared.get(i);
    if (failed === undefined)
      c.exchange(encodeTx(i, s), bodyOf[i]!, (bodyBytes, error) =>
        finish(c, i, due, asked, got, bodyBytes, error, then),
      );
    // Never synchronously: a closed-loop client would recurse for the whole run.
    else setImmediate(() => finish(c, i, due, asked, got, 0, failed, then));
  };

  /** One request due at `due` (epoch ms): on a free connection now, or queued for one. */
  const request = (due: number, then: (() => void) | null) => {
    inflight += 1;
    const asked = now();
    const c = free.pop();
    if (c) run(c, due, asked, asked, then);
    else waiting.push({ due, asked, then });
  };

  const elu0 = performance.eventLoopUtilization();
  const end = startAt + spec.durationMs;
  while (now() < startAt) await sleep(startAt - now());
  let notStarted = 0;
  if (spec.load.kind === 'closed') {
    await new Promise<void>((resolve) => {
      let running = spec.load.kind === 'closed' ? spec.load.clients : 0;
      const client = () => {
        const t = now();
        if (t < end) request(t, client);
        else if (--running === 0) resolve();
      };
      if (running === 0) resolve();
      for (let k = running; k > 0; k -= 1) client();
    });
  } else {
    const schedule: Schedule =
      spec.load.kind === 'rate'
        ? rateSchedule(spec.load.rate, startAt, spec.part, spec.parts)
        : usersSchedule(spec.load.users, spec.load.thinkMs, startAt, rng(spec.seed * 31 + 7), spec.part, spec.parts);
    let due = schedule.next();
    while (due < end) {
      const t = now();
      while (due <= t && due < end) {
        request(due, null);
        due = schedule.next();
      }
      if (due < end) await sleep(due - now());
    }
    const allDone = () =>
      new Promise<boolean>((resolve) => {
        if (inflight === 0) return resolve(true);
        drained = () => resolve(true);
      });
    const finished = await Promise.race([allDone(), sleep(spec.drainMs).then(() => false)]);
    if (!finished) {
      // Still queued for a connection: never started. Count them, and let the started ones finish.
      notStarted = waiting.length;
      inflight -= waiting.splice(0).length;
      await Promise.race([allDone(), sleep(10_000)]);
    }
  }
  const elu = performance.eventLoopUtilization(elu0);
  return {
    latency: latency.map((g) => g.take()),
    errors,
    errorMessages,
    bytes,
    poolWait: poolWait.take(),
    service: service.take(),
    lag: lag.take(),
    notStarted,
    activeMs: elu.active,
    elapsedMs: now() - startAt,
  };
}

if (parentPort && workerData) void main(workerData as WorkerSpec);
