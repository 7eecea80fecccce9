/**
 * npm run bench:seed — metric rows per second written by dreamdb seed's COPY path at the medium
 * scale (1,000 artists × 365 days × 5 platforms = 1,825,000 rows: generated in Node, streamed
 * through postgres.js), against a ceiling measured in the same run: the server's own
 * `COPY metrics FROM '<file>'` of the very same bytes (no client, no network, no generation).
 * Both load into the same empty, fully indexed, partitioned public.metrics (FK to artists, five
 * indexes, CHECKs), each in one transaction, alternating; medians of BENCH_RUNS (default 3).
 * Targets: >= 500,000 rows/s and >= 70% of the ceiling.
 *
 * The file must be readable by the server process: the embedded server runs as the OS user
 * postgres, so it goes in a 0755 directory under /tmp. With DREAMDB_BENCH_DATABASE_URL the server
 * must run on this machine.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { connect } from '../src/db/connect.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { openCopy, type ChunkSink } from '../src/seed/copy.js';
import { todayUtc } from '../src/seed/dates.js';
import { ensureMetricsPartitions } from '../src/seed/metrics-partitions.js';
import { makeWindow, SCALES } from '../src/seed/scale.js';
import { METRICS } from '../src/seed/tables.js';
import { planArtists, writeMetrics, writeScale } from '../src/seed/write-scale.js';
import { benchServer, median } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const scale = SCALES.medium;
const server = await benchServer();
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-bench-seed-'));
await fs.chmod(dir, 0o755);
const file = path.join(dir, 'metrics.copy');
const name = 'dreamdb_bench_seed';

function fileSink(target: string): ChunkSink {
  const stream = createWriteStream(target, { mode: 0o644 });
  return {
    write: (chunk) => (stream.write(chunk) ? undefined : once(stream, 'drain')),
    async end() {
      stream.end();
      await once(stream, 'finish');
    },
  };
}

const nullSink: ChunkSink = { write: () => undefined, end: async () => {} };

const dreamdb: number[] = [];
const ceiling: number[] = [];
let generationOnly = 0;
let rows = 0;
let firstRun = 0;
try {
  const url = await server.createDatabase(name);
  await runMigrations(url, { settings: defaultMigrateSettings });
  const sql = connect(url, { max: 1 });
  const window = makeWindow(todayUtc(), scale.days);
  const target = { seed: 1, artists: scale.artists, window };
  const plans = planArtists(target);
  await ensureMetricsPartitions(sql, new Set(window.dates.map((d) => Number(d.slice(0, 4)))));

  // The full seed once (artists and the rest of their story), as `dreamdb seed --scale medium` runs it.
  const [hash] = await sql<{ h: string }[]>`select extensions.crypt('bench', extensions.gen_salt('bf')) as h`;
  const full = await sql.begin((tx) =>
    writeScale(tx, target, { existing: new Set(), passwordHash: hash!.h, extraAuthColumns: [] }),
  );
  firstRun = full.rows.metrics / (full.metricsMs / 1000);
  rows = full.rows.metrics;

  // The same metric rows as a file the server can read, and the generator alone (no I/O).
  await writeMetrics(fileSink(file), plans, window);
  await fs.chmod(file, 0o644);
  let t = performance.now();
  await writeMetrics(nullSink, plans, window);
  generationOnly = rows / ((performance.now() - t) / 1000);

  for (let i = 0; i < runs; i += 1) {
    await sql`truncate public.metrics`;
    await sql`checkpoint`;
    t = performance.now();
    await sql.begin(async (tx) => writeMetrics(await openCopy(tx, METRICS), plans, window));
    dreamdb.push(rows / ((performance.now() - t) / 1000));

    await sql`truncate public.metrics`;
    await sql`checkpoint`;
    t = performance.now();
    // COPY takes the file name as a literal, not a parameter; the path is our own mkdtemp's.
    await sql.begin((tx) =>
      tx.unsafe(`copy public.metrics (${METRICS.columns.join(', ')}) from '${file.replace(/'/g, "''")}'`),
    );
    ceiling.push(rows / ((performance.now() - t) / 1000));
  }
  await sql.end();
} finally {
  await server.dropDatabase(name).catch(() => {});
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
}

const result = {
  server: server.kind,
  runs,
  metricRows: rows,
  dreamdbRowsPerSecond: Math.round(median(dreamdb)),
  plainCopyRowsPerSecond: Math.round(median(ceiling)),
  ratio: median(dreamdb) / median(ceiling),
  firstFullSeedMetricRowsPerSecond: Math.round(firstRun),
  generationOnlyRowsPerSecond: Math.round(generationOnly),
  targets: { rowsPerSecond: 500_000, ratio: 0.7 },
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
else {
  const f = (n: number) => n.toLocaleString('en-US');
  console.log(`bench:seed on ${result.server}, medium scale: ${f(rows)} metric rows, median of ${runs}`);
  console.log(`  dreamdb COPY path        ${f(result.dreamdbRowsPerSecond)} rows/s   (target >= 500,000)`);
  console.log(`  plain COPY FROM file     ${f(result.plainCopyRowsPerSecond)} rows/s   (ceiling)`);
  console.log(`  ratio                    ${(result.ratio * 100).toFixed(0)}%              (target >= 70%)`);
  console.log(
    `  first full seed, metrics ${f(result.firstFullSeedMetricRowsPerSecond)} rows/s (with the other tables interleaved)`,
  );
  console.log(`  generation alone         ${f(result.generationOnlyRowsPerSecond)} rows/s (no database)`);
}
