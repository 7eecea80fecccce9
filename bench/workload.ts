/**
 * npm run bench:workload — `dreamdb bench --sweep` on this checkout's embedded PostgreSQL 17 (or
 * $DREAMDB_BENCH_DATABASE_URL's server), in a database kept between runs so the seeded volume is
 * reused: dreamdb_bench_workload_<scale>. Prints the full report, then the harness beside pgbench
 * (median of BENCH_ROUNDS rounds, alternating which engine goes first) with the ratios.
 * BENCH_SCALE (small|medium|large, default medium), BENCH_CLIENTS (16), BENCH_DURATION (20 s),
 * BENCH_ROUNDS (3), BENCH_CEILING (5 s per engine and case), BENCH_SWEEP (1; 0 skips it),
 * BENCH_BASELINE (0; 1 also runs the draft schema), BENCH_REALTIME (1), BENCH_JSON=<file>,
 * BENCH_ARTISTS (the scale's artists; fewer keeps the scale's days of history per artist).
 */
import fs from 'node:fs/promises';
import { runBench as bench } from '../src/bench/run.js';
import { createContext } from '../src/context.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { connect } from '../src/db/connect.js';
import { renderBench } from '../src/bench/report.js';
import type { ScaleName } from '../src/seed/scale.js';
import { benchServer } from './lib.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const scale = (process.env.BENCH_SCALE ?? 'medium') as ScaleName;
const server = await benchServer();
const name = `dreamdb_bench_workload_${scale}`;
try {
  const admin = connect(server.url);
  const [exists] = await admin<
    { ok: boolean }[]
  >`select exists (select 1 from pg_database where datname = ${name}) as ok`;
  await admin.end();
  const url = exists!.ok
    ? (() => {
        const u = new URL(server.url);
        u.pathname = `/${name}`;
        return u.toString();
      })()
    : await server.createDatabase(name);
  await runMigrations(url, { settings: defaultMigrateSettings });
  const ctx = await createContext({ db: url, yes: true });
  console.error(`server: ${server.kind}`);
  const result = await bench(ctx, {
    scale,
    ...(process.env.BENCH_ARTISTS ? { artists: env('BENCH_ARTISTS', 0) } : {}),
    clients: env('BENCH_CLIENTS', 16),
    ...(process.env.BENCH_THREADS ? { threads: env('BENCH_THREADS', 1) } : {}),
    duration: env('BENCH_DURATION', 20),
    pairedRounds: env('BENCH_ROUNDS', 3),
    ceilingDuration: env('BENCH_CEILING', 5),
    sweep: env('BENCH_SWEEP', 1) === 1,
    realtime: env('BENCH_REALTIME', 1) === 1,
    ...(env('BENCH_BASELINE', 0) === 1 ? { compare: 'baseline' as const } : {}),
  });
  console.log(renderBench(result).join('\n'));
  console.log('');
  console.log(
    `harness vs pgbench (${server.kind}, scale ${scale}, median of ${result.harness.cases[0]?.rounds.length} rounds):`,
  );
  for (const c of result.harness.cases) {
    console.log(
      `  ${c.name.padEnd(14)} dreamdb ${Math.round(c.dreamdb.throughput).toString().padStart(6)} req/s   pgbench ${c.pgbench ? Math.round(c.pgbench.throughput).toString().padStart(6) : '     –'} tps   ratio ${c.ratio === null ? '–' : c.ratio.toFixed(2)}   rounds: ${c.rounds.map((r) => (r.pgbench ? (r.dreamdb.throughput / r.pgbench.throughput).toFixed(2) : '–')).join(' ')}`,
    );
  }
  if (process.env.BENCH_JSON) await fs.writeFile(process.env.BENCH_JSON, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.close();
}
