/**
 * npm run bench:migrate — median time to migrate an empty database to the current schema (server
 * start not counted) and of a no-op rerun, against a baseline measured in the same process: the
 * same SQL sent as plain queries in one transaction, with no engine (no lock, parse, ledger).
 * Targets on a 2-core machine: empty -> current < 500 ms, no-op rerun < 100 ms.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { connect } from '../src/db/connect.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { benchServer, median, ms } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const server = await benchServer();
const settings = { ...defaultMigrateSettings };
const files = (await fs.readdir(settings.dir)).filter((f) => f.endsWith('.sql')).sort();
const rawSql = [
  await fs.readFile('sql/dreamdb/ledger.sql', 'utf8'),
  await fs.readFile('sql/base/supabase.sql', 'utf8'),
];
for (const f of files) rawSql.push(await fs.readFile(path.join(settings.dir, f), 'utf8'));

const empty: number[] = [];
const noop: number[] = [];
const baseline: number[] = [];
try {
  // One warm-up of each, not counted (first WASM load of the parser, catalog caches).
  for (let i = -1; i < runs; i += 1) {
    const url = await server.createDatabase(`dreamdb_bench_migrate_${i + 1}`);
    let t = performance.now();
    await runMigrations(url, { settings });
    if (i >= 0) empty.push(performance.now() - t);
    t = performance.now();
    await runMigrations(url, { settings });
    if (i >= 0) noop.push(performance.now() - t);
    await server.dropDatabase(`dreamdb_bench_migrate_${i + 1}`);

    const rawUrl = await server.createDatabase(`dreamdb_bench_raw_${i + 1}`);
    const sql = connect(rawUrl);
    t = performance.now();
    await sql.begin(async (tx) => {
      for (const text of rawSql) await tx.unsafe(text).simple();
    });
    if (i >= 0) baseline.push(performance.now() - t);
    await sql.end();
    await server.dropDatabase(`dreamdb_bench_raw_${i + 1}`);
  }
} finally {
  await server.close();
}

const result = {
  server: server.kind,
  runs,
  migrations: files.length,
  emptyToCurrentMs: median(empty),
  noopRerunMs: median(noop),
  baselinePlainSqlMs: median(baseline),
  engineOverVsPlain: median(empty) / median(baseline),
  targets: { emptyToCurrentMs: 500, noopRerunMs: 100 },
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`bench:migrate on ${result.server}, ${runs} runs each, ${files.length} migration file(s)`);
  console.log(`  empty -> current   median ${ms(result.emptyToCurrentMs)}   (target < 500 ms)`);
  console.log(`  no-op rerun        median ${ms(result.noopRerunMs)}   (target < 100 ms)`);
  console.log(`  baseline: same SQL as plain queries in one transaction, median ${ms(result.baselinePlainSqlMs)}`);
  console.log(`  engine / baseline  ${result.engineOverVsPlain.toFixed(2)}x`);
}
