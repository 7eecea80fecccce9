/**
 * npm run bench:diff — median of 5 of a diff of the shipped schema: two migrated databases
 * compared (pg-delta's extract + plan, and dreamdb's bucket, default-privilege and scope passes),
 * against a baseline measured in the same process: the two catalog extractions alone. Also the
 * whole `db diff --from migrations` path: shadow created, migrated, diffed, dropped.
 */
import { extract } from '@supabase/pg-delta';
import pg from 'pg';
import { diffDatabases } from '../src/diff/engine.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { benchServer, median, ms } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const server = await benchServer();
const settings = { ...defaultMigrateSettings };
const target = await server.createDatabase('dreamdb_bench_diff_target');
await runMigrations(target, { settings });
const shadow = await server.createDatabase('dreamdb_bench_diff_shadow');
await runMigrations(shadow, { settings });

const diffMs: number[] = [];
const extractMs: number[] = [];
const fullMs: number[] = [];
let statements = -1;
try {
  for (let i = -1; i < runs; i += 1) {
    let t = performance.now();
    const d = await diffDatabases(shadow, target);
    if (i >= 0) diffMs.push(performance.now() - t);
    statements = d.statements.length;

    const pools = [shadow, target].map((u) => new pg.Pool({ connectionString: u, max: 2 }));
    t = performance.now();
    await Promise.all(pools.map((p) => extract(p)));
    if (i >= 0) extractMs.push(performance.now() - t);
    await Promise.all(pools.map((p) => p.end()));

    t = performance.now();
    const scratch = await server.createDatabase(`dreamdb_bench_diff_scratch`);
    await runMigrations(scratch, { settings });
    await diffDatabases(scratch, target);
    await server.dropDatabase('dreamdb_bench_diff_scratch');
    if (i >= 0) fullMs.push(performance.now() - t);
  }
} finally {
  await server.dropDatabase('dreamdb_bench_diff_target');
  await server.dropDatabase('dreamdb_bench_diff_shadow');
  await server.close();
}
if (statements !== 0) throw new Error(`the shipped schema diffed against itself gave ${statements} statements`);
const d = median(diffMs);
const e = median(extractMs);
console.log(`server: ${server.kind}; ${runs} runs, medians; the diff of identical shipped schemas is empty`);
console.log(`diff of the shipped schema (extract both + plan + dreamdb passes): ${ms(d)}`);
console.log(
  `baseline, the two catalog extractions alone:                      ${ms(e)}  (diff / baseline ${(d / e).toFixed(2)}x)`,
);
console.log(`db diff --from migrations path (shadow create + migrate + diff + drop): ${ms(median(fullMs))}`);
