/**
 * npm run bench:audit — median time of a full audit (isolation, lints, latency) of the shipped
 * schema with three artists, after seeding (not counted). Baseline, measured in the same process:
 * the same number of bare probes (savepoint, set_config, select 1, rollback to savepoint) in one
 * transaction, i.e. the round trips the audit cannot avoid. Target: median < 5 s.
 */
import { connect } from '../src/db/connect.js';
import { runAudit } from '../src/audit/run.js';
import { seedLatencyData } from '../src/audit/latency.js';
import { auditSettings } from '../src/config/audit.js';
import { runMigrations, defaultMigrateSettings } from '../src/migrate/engine.js';
import { benchServer, median, ms } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const server = await benchServer();
const url = await server.createDatabase('dreamdb_bench_audit');
const config = auditSettings({});
const totals: number[] = [];
const baseline: number[] = [];
let probes = 0;
let findings = 0;
try {
  await runMigrations(url, { settings: { ...defaultMigrateSettings } });
  const sql = connect(url, { max: 1 });
  await seedLatencyData(sql, config.latency.seedArtists, config.latency.seedDays);
  for (let i = -1; i < runs; i += 1) {
    const t = performance.now();
    const report = await runAudit(sql, config, { expectationsFile: 'fixtures/audit/expectations.txt' });
    if (i >= 0) totals.push(performance.now() - t);
    probes = report.isolation?.probes ?? 0;
    findings = report.findings.filter((f) => f.level !== 'info').length;

    const b = performance.now();
    await sql.begin(async (tx) => {
      for (let p = 0; p < probes; p += 1) {
        await tx.unsafe(`savepoint p; select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{}', true)`).simple();
        await tx.unsafe('select 1');
        await tx.unsafe('rollback to savepoint p; release savepoint p').simple();
      }
    });
    if (i >= 0) baseline.push(performance.now() - b);
  }
  await sql.end();
} finally {
  await server.dropDatabase('dreamdb_bench_audit');
  await server.close();
}

const result = {
  server: server.kind,
  runs,
  probes,
  findings,
  fullAuditMs: median(totals),
  bareProbesMs: median(baseline),
  auditOverBare: median(totals) / median(baseline),
  targetMs: 5000,
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`bench:audit on ${result.server}, ${runs} runs, 3 artists, ${probes} isolation probes, ${findings} findings`);
  console.log(`  full audit (isolation + lints + latency 6 queries x 3 artists x ${config.latency.iterations})  median ${ms(result.fullAuditMs)}   (target < 5000 ms)`);
  console.log(`  baseline: ${probes} bare probes in one transaction, median ${ms(result.bareProbesMs)}`);
  console.log(`  audit / baseline  ${result.auditOverBare.toFixed(2)}x`);
}
