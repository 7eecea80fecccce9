/**
 * npm run bench:workload — `dreamdb bench --compare baseline` on this checkout's embedded
 * PostgreSQL 17 (or $DREAMDB_BENCH_DATABASE_URL's server), in a database kept between runs so the
 * seeded volume is reused: dreamdb_bench_workload_<scale>.
 * BENCH_SCALE (small|medium|large, default medium), BENCH_CLIENTS (16), BENCH_DURATION (20 s),
 * BENCH_JSON=<file> writes the JSON result too.
 */
import fs from 'node:fs/promises';
import { bench } from '../src/commands/bench.js';
import { createContext } from '../src/context.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { connect } from '../src/db/connect.js';
import { renderBench } from '../src/bench/report.js';
import type { ScaleName } from '../src/seed/scale.js';
import { benchServer } from './lib.js';

const scale = (process.env.BENCH_SCALE ?? 'medium') as ScaleName;
const server = await benchServer();
const name = `dreamdb_bench_workload_${scale}`;
try {
  const admin = connect(server.url);
  const [exists] = await admin<{ ok: boolean }[]>`select exists (select 1 from pg_database where datname = ${name}) as ok`;
  await admin.end();
  const url = exists!.ok ? (() => { const u = new URL(server.url); u.pathname = `/${name}`; return u.toString(); })() : await server.createDatabase(name);
  await runMigrations(url, { settings: defaultMigrateSettings });
  const ctx = await createContext({ db: url, yes: true });
  console.error(`server: ${server.kind}`);
  const result = await bench(ctx, {
    scale,
    clients: Number(process.env.BENCH_CLIENTS ?? 16),
    duration: Number(process.env.BENCH_DURATION ?? 20),
    compare: 'baseline',
  });
  console.log(renderBench(result).join('\n'));
  if (process.env.BENCH_JSON) await fs.writeFile(process.env.BENCH_JSON, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.close();
}
