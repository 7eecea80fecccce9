/**
 * npm run bench:sync — the offline-sync bench (20 devices, 3 per artist, 5 simulated minutes,
 * a quarter of the requests cut mid-flight) on a freshly migrated database, BENCH_RUNS times
 * (default 3). Reports the median of each run's figures. Baseline, in the same process after each
 * run: as many RPC-shaped transactions doing nothing (`select 1` instead of sync_pull), from as
 * many devices at once, through the same kind of loopback proxy without cuts; pull latency is
 * reported as a ratio to it. Targets: lost 0, applied twice 0, < 10 MB per user per month.
 */
import { randomUUID } from 'node:crypto';
import { connect } from '../src/db/connect.js';
import { runMigrations, defaultMigrateSettings } from '../src/migrate/engine.js';
import { runSyncBench, syncBenchDefaults, type SyncBenchResult } from '../src/bench/sync.js';
import { artistActor, emptyRpc } from '../src/sync/client.js';
import { startFaultyProxy } from '../src/sync/proxy.js';
import { benchServer, median, ms, percentile } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const server = await benchServer();
const name = 'dreamdb_bench_sync';
const url = await server.createDatabase(name);
const results: SyncBenchResult[] = [];
const baselineP50: number[] = [];
const baselineP95: number[] = [];
try {
  await runMigrations(url, { settings: { ...defaultMigrateSettings } });
  for (let i = 0; i < runs; i++) {
    const r = await runSyncBench(url, { ...syncBenchDefaults, seed: i + 1 });
    results.push(r);
    const b = await baseline(url, r.settings.devices, r.pull.pages);
    baselineP50.push(percentile(b, 50));
    baselineP95.push(percentile(b, 95));
  }
} finally {
  await server.dropDatabase(name);
  await server.close();
}

async function baseline(target: string, devices: number, requests: number): Promise<number[]> {
  const admin = connect(target);
  const artist = randomUUID();
  await admin`insert into auth.users (id, email) values (${artist}, ${`sync-baseline-${artist}@bench.invalid`})`;
  const u = new URL(target);
  const proxies = await Promise.all(
    Array.from({ length: devices }, () =>
      startFaultyProxy(u.hostname === 'localhost' ? '127.0.0.1' : u.hostname, Number(u.port || 5432)),
    ),
  );
  const clients = proxies.map((p) => {
    const d = new URL(target);
    d.hostname = '127.0.0.1';
    d.port = String(p.port);
    return connect(d.toString(), { max: 1, fetchTypes: false });
  });
  const latencies: number[] = [];
  try {
    for (const c of clients) await emptyRpc(c, artistActor(artist));
    while (latencies.length < requests) {
      await Promise.all(
        clients.map(async (c) => {
          const t = performance.now();
          await emptyRpc(c, artistActor(artist));
          latencies.push(performance.now() - t);
        }),
      );
    }
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await Promise.all(proxies.map((p) => p.close()));
    await admin`delete from auth.users where id = ${artist}`;
    await admin.end();
  }
  return latencies;
}

const m = (f: (r: SyncBenchResult) => number) => median(results.map(f));
const result = {
  server: server.kind,
  runs,
  devices: syncBenchDefaults.devices,
  simulatedMinutes: syncBenchDefaults.minutes,
  edits: m((r) => r.edits.total),
  applied: m((r) => r.mutations.applied),
  rejected: m((r) => Object.values(r.mutations.rejected).reduce((a, b) => a + b, 0)),
  replayed: m((r) => r.mutations.replayed),
  drops: m((r) => r.network.drops),
  lost: Math.max(...results.map((r) => r.lost)),
  duplicated: Math.max(...results.map((r) => r.duplicated)),
  divergentRows: Math.max(...results.map((r) => r.devices.divergentRows)),
  bytesPerSyncMedian: m((r) => r.bytes.perSync.p50),
  mbPerUserPerMonth: m((r) => r.bytes.perUserPerMonth) / 1048576,
  pullP50: m((r) => r.pull.latencyMs.p50),
  pullP95: m((r) => r.pull.latencyMs.p95),
  baselineP50: median(baselineP50),
  baselineP95: median(baselineP95),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(
    `bench:sync on ${result.server}, ${runs} runs of ${result.devices} devices × ${result.simulatedMinutes} simulated minutes (medians of the runs)`,
  );
  console.log(
    `  edits ${result.edits}, mutations applied ${result.applied}, rejected with a reason ${result.rejected}, replayed after a cut ${result.replayed}, connections cut ${result.drops}`,
  );
  console.log(
    `  lost ${result.lost}, applied twice ${result.duplicated}, divergent device rows ${result.divergentRows} (worst run; target 0)`,
  );
  console.log(
    `  bytes per sync median ${(result.bytesPerSyncMedian / 1024).toFixed(1)} KB; per user per month ${result.mbPerUserPerMonth.toFixed(2)} MB at 30 syncs a day (target < 10 MB)`,
  );
  console.log(
    `  pull latency p50 ${ms(result.pullP50)}, p95 ${ms(result.pullP95)}; baseline (empty RPC, same concurrency) p50 ${ms(result.baselineP50)}, p95 ${ms(result.baselineP95)}; p95 ratio ${(result.pullP95 / result.baselineP95).toFixed(2)}x`,
  );
}
process.exit(result.lost || result.duplicated || result.divergentRows ? 3 : 0);
