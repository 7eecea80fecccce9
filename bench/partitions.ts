/**
 * npm run bench:partitions (tsx bench/partitions.ts) — does a rotation stall the app?
 *
 * A writer inserts metrics rows into the current year as fast as one connection can (one INSERT per
 * round trip, autocommit), while a monitor samples the writer's wait_event in pg_stat_activity
 * (lock waits) as fast as it can. Each repetition runs `rotatePartitions` creating three yearly
 * partitions; afterwards one rotation retires a year (DETACH CONCURRENTLY, archive, DROP). Reported
 * per repetition and as medians of BENCH_RUNS (default 5): the rotation's duration, the writer's
 * longest stall (slowest INSERT overlapping the rotation) against its longest stall in a quiet
 * second before, and the longest lock wait the monitor saw on the writer. Target: no stall over
 * 50 ms. Printed, never asserted.
 *
 * Runs on $DREAMDB_BENCH_DATABASE_URL's server, else the embedded server (.dreamdb/bench-cluster),
 * in a database of its own, migrated with the real schema.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { connect, type Sql } from '../src/db/connect.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { rotatePartitions, type RotateOptions } from '../src/partitions/index.js';
import { benchServer, median, ms, percentile } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const ARTISTS = 200;
const PLATFORMS = ['instagram', 'spotify', 'youtube', 'tiktok', 'apple_music'];
const year = new Date().getUTCFullYear();

interface Insert {
  start: number;
  end: number;
}

/** One writer connection inserting unique rows until stopped; every INSERT's start and end. */
class Writer {
  readonly inserts: Insert[] = [];
  failures = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();
  private n = 0;
  constructor(
    private readonly sql: Sql,
    private readonly artists: string[],
  ) {}

  start(): void {
    this.stopped = false;
    this.done = (async () => {
      while (!this.stopped) {
        const i = this.n++;
        const day = new Date(Date.UTC(year, 0, 1) + (Math.floor(i / (ARTISTS * PLATFORMS.length)) % 365) * 86_400_000);
        const start = performance.now();
        try {
          await this.sql`insert into public.metrics (id, artist_id, platform, metric_date, followers)
            values (${randomUUID()}, ${this.artists[i % ARTISTS]!}, ${PLATFORMS[Math.floor(i / ARTISTS) % PLATFORMS.length]!},
                    ${day.toISOString().slice(0, 10)}, ${i})`;
        } catch {
          this.failures += 1;
        }
        this.inserts.push({ start, end: performance.now() });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /** The slowest INSERT overlapping [from, to]. */
  longestStall(from: number, to: number): { ms: number; count: number } {
    const overlapping = this.inserts.filter((x) => x.end >= from && x.start <= to);
    return { ms: Math.max(0, ...overlapping.map((x) => x.end - x.start)), count: overlapping.length };
  }
}

/** Samples the writer's wait_event; returns the longest run of consecutive 'Lock' samples. */
class LockMonitor {
  private stopped = false;
  private done: Promise<void> = Promise.resolve();
  private longest = 0;
  samples = 0;
  constructor(
    private readonly sql: Sql,
    private readonly pid: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.longest = 0;
    this.samples = 0;
    this.done = (async () => {
      let since: number | null = null;
      while (!this.stopped) {
        const [row] = await this.sql<
          { w: string | null }[]
        >`select wait_event_type as w from pg_stat_activity where pid = ${this.pid}`;
        const now = performance.now();
        this.samples += 1;
        if (row?.w === 'Lock') {
          since ??= now;
          this.longest = Math.max(this.longest, now - since);
        } else {
          since = null;
        }
      }
    })();
  }

  async stop(): Promise<number> {
    this.stopped = true;
    await this.done;
    return this.longest;
  }
}

interface Measurement {
  label: string;
  rotationMs: number;
  stallMs: number;
  quietStallMs: number;
  lockWaitMs: number;
  inserts: number;
  steps: string;
}

async function measure(
  label: string,
  writer: Writer,
  monitor: LockMonitor,
  rotate: () => Promise<string>,
): Promise<Measurement> {
  writer.start();
  await sleep(300); // warm up
  const quietFrom = performance.now();
  await sleep(1000);
  const quiet = writer.longestStall(quietFrom, performance.now());
  monitor.start();
  const from = performance.now();
  const steps = await rotate();
  const to = performance.now();
  await sleep(200);
  const lockWaitMs = await monitor.stop();
  await writer.stop();
  const during = writer.longestStall(from, to);
  return {
    label,
    rotationMs: to - from,
    stallMs: during.ms,
    quietStallMs: quiet.ms,
    lockWaitMs,
    inserts: during.count,
    steps,
  };
}

const server = await benchServer();
const name = 'dreamdb_bench_partitions';
const archiveDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-bench-archive-'));
try {
  const url = await server.createDatabase(name);
  await runMigrations(url, { settings: defaultMigrateSettings });
  const admin = connect(url, { max: 2 });
  const artists = Array.from({ length: ARTISTS }, () => randomUUID());
  await admin`insert into auth.users ${admin(artists.map((id) => ({ id, email: `${id}@bench.invalid` })))}`;
  await admin`insert into public.artists ${admin(artists.map((id) => ({ id, name: `artist ${id.slice(0, 8)}` })))}`;

  const writerSql = connect(url, { max: 1, connection: { application_name: 'bench-writer' } });
  const [{ pid } = { pid: 0 }] = await writerSql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const writer = new Writer(writerSql, artists);
  const monitor = new LockMonitor(connect(url, { max: 1, connection: { application_name: 'bench-monitor' } }), pid);
  const rotator = connect(url, { max: 1, connection: { application_name: 'bench-rotate' } });
  const rotation = async (options: RotateOptions) => {
    const result = await rotatePartitions(rotator, options);
    return result.applied
      .map((s) => `${s.action} ${s.table}${s.retries > 0 ? ` (${s.retries} lock retries)` : ''}`)
      .join(', ');
  };

  console.log(
    `dreamdb bench:partitions on ${server.kind}; ${runs} runs; writer: 1 connection, one INSERT per round trip`,
  );
  const creations: Measurement[] = [];
  for (let r = 0; r < runs; r += 1) {
    // The migration made year-1 .. year+1; each run adds the next three years.
    creations.push(await measure(`create x3 #${r + 1}`, writer, monitor, () => rotation({ ahead: 1 + 3 * (r + 1) })));
  }
  const retire = await measure('retire (detach, archive, drop)', writer, monitor, () =>
    rotation({ ahead: 1 + 3 * runs, retain: 0, archiveDir, drop: true }),
  );

  const rows = [...creations, retire];
  const width = Math.max(...rows.map((m) => m.label.length));
  console.log(`${'run'.padEnd(width)}  rotation   writer stall (quiet)   lock wait   inserts during`);
  for (const m of rows) {
    console.log(
      `${m.label.padEnd(width)}  ${ms(m.rotationMs).padStart(9)}  ${ms(m.stallMs).padStart(9)} (${ms(m.quietStallMs).padStart(8)})  ${ms(m.lockWaitMs).padStart(9)}   ${String(m.inserts).padStart(6)}   ${m.steps}`,
    );
  }
  const all = writer.inserts.map((x) => x.end - x.start);
  console.log(
    `median of ${runs} creations of three partitions: rotation ${ms(median(creations.map((m) => m.rotationMs)))}, ` +
      `writer's longest stall ${ms(median(creations.map((m) => m.stallMs)))} (quiet: ${ms(median(creations.map((m) => m.quietStallMs)))}), ` +
      `lock wait seen by the writer ${ms(median(creations.map((m) => m.lockWaitMs)))}`,
  );
  console.log(
    `worst: stall ${ms(Math.max(...creations.map((m) => m.stallMs)))}, lock wait ${ms(Math.max(...creations.map((m) => m.lockWaitMs)))}; ` +
      `retirement: stall ${ms(retire.stallMs)}, lock wait ${ms(retire.lockWaitMs)}; ` +
      `all ${all.length} inserts: p50 ${ms(percentile(all, 50))}, p99 ${ms(percentile(all, 99))}; failed inserts: ${writer.failures}`,
  );
  console.log('target: no writer stall over 50 ms');
  await Promise.all([writerSql.end(), rotator.end(), admin.end()]);
  await monitor['sql'].end();
} finally {
  await server.dropDatabase(name).catch(() => undefined);
  await server.close();
  await fs.rm(archiveDir, { recursive: true, force: true });
}
