/**
 * npm run bench:audit — median time of a full audit (isolation, lints, latency) of the shipped
 * schema with three artists, after seeding (not counted), and of the membership-style schema
 * (fixtures/audit/membership-schema.sql: bands, members, a manager of two bands). Baseline,
 * measured in the same process: the same number of bare probes (savepoint, set_config, select 1,
 * rollback to savepoint) in one transaction, i.e. the round trips the audit cannot avoid.
 * Paired with it, in the same rounds: the same audit with every probe driven from the client a
 * statement at a time (inlineProbes, the fallback where pg_temp is refused, and how every probe
 * ran before the one-round-trip runner of sql/audit/probe.sql).
 * Reference: the audit before issue 13 took 3.5 s here (fewer probes, no side-effect checks);
 * target: median <= 10 s.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, type Sql } from '../src/db/connect.js';
import { runAudit } from '../src/audit/run.js';
import { seedLatencyData } from '../src/audit/latency.js';
import { auditSettings, type AuditConfig } from '../src/config/audit.js';
import { runMigrations, defaultMigrateSettings } from '../src/migrate/engine.js';
import { benchServer, median, ms } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const TODAY_MS = 3500;
const TARGET_MS = 10_000;
const server = await benchServer();
const exp = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-bench-audit-')), 'membership-expectations.txt');

async function bareProbes(sql: Sql, probes: number): Promise<number> {
  const b = performance.now();
  await sql.begin(async (tx) => {
    for (let p = 0; p < probes; p += 1) {
      await tx
        .unsafe(
          `savepoint p; select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{}', true)`,
        )
        .simple();
      await tx.unsafe('select 1');
      await tx.unsafe('rollback to savepoint p; release savepoint p').simple();
    }
  });
  return performance.now() - b;
}

interface Case {
  name: string;
  totals: number[];
  inline: number[];
  baseline: number[];
  probes: number;
  findings: number;
}

async function measure(name: string, sql: Sql, config: AuditConfig, expectationsFile: string): Promise<Case> {
  const c: Case = { name, totals: [], inline: [], baseline: [], probes: 0, findings: 0 };
  for (let i = -1; i < runs; i += 1) {
    const t = performance.now();
    const report = await runAudit(sql, config, { expectationsFile });
    if (i >= 0) c.totals.push(performance.now() - t);
    const u = performance.now();
    await runAudit(sql, config, { expectationsFile, inlineProbes: true });
    if (i >= 0) c.inline.push(performance.now() - u);
    c.probes = report.isolation?.probes ?? 0;
    c.findings = report.findings.filter((f) => f.level !== 'info').length;
    const b = await bareProbes(sql, c.probes);
    if (i >= 0) c.baseline.push(b);
  }
  return c;
}

const cases: Case[] = [];
try {
  const shippedUrl = await server.createDatabase('dreamdb_bench_audit');
  await runMigrations(shippedUrl, { settings: { ...defaultMigrateSettings } });
  const shipped = connect(shippedUrl, { max: 1 });
  const config = auditSettings({});
  await seedLatencyData(shipped, config.latency.seedArtists, config.latency.seedDays);
  cases.push(
    await measure(
      'shipped schema, 3 artists (isolation + lints + latency)',
      shipped,
      config,
      'fixtures/audit/expectations.txt',
    ),
  );
  await shipped.end();

  const memberUrl = await server.createDatabase('dreamdb_bench_audit_members');
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-bench-nomigrations-'));
  await runMigrations(memberUrl, { settings: { ...defaultMigrateSettings, dir: empty } });
  const members = connect(memberUrl, { max: 1 });
  await members.unsafe(await fs.readFile('fixtures/audit/membership-schema.sql', 'utf8'));
  const memberConfig = auditSettings({
    tenant: {
      root: 'public.bands',
      ownerColumns: ['band_id'],
      membership: { table: 'public.band_members', user: 'user_id', tenant: 'band_id' },
    },
    columns: {
      serverOwned: ['public.bands.plan', 'public.bands.created_at', 'public.songs.streams', 'public.band_members.*'],
      derived: [],
    },
  });
  await runAudit(members, memberConfig, { expectationsFile: exp, writeExpectations: true });
  cases.push(
    await measure('membership schema, 3 bands + a manager of two (isolation + lints)', members, memberConfig, exp),
  );
  await members.end();
} finally {
  await server.dropDatabase('dreamdb_bench_audit');
  await server.dropDatabase('dreamdb_bench_audit_members');
  await server.close();
}

const result = {
  server: server.kind,
  runs,
  beforeIssue13Ms: TODAY_MS,
  targetMs: TARGET_MS,
  cases: cases.map((c) => ({
    name: c.name,
    probes: c.probes,
    findings: c.findings,
    fullAuditMs: median(c.totals),
    inlineProbesMs: median(c.inline),
    overInline: median(c.totals.map((t, i) => t / c.inline[i]!)),
    bareProbesMs: median(c.baseline),
    auditOverBare: median(c.totals) / median(c.baseline),
  })),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(
    `bench:audit on ${result.server}, ${runs} runs each (medians); before issue 13: ${ms(TODAY_MS)}, target <= ${ms(TARGET_MS)}`,
  );
  for (const c of result.cases) {
    console.log(`  ${c.name}: ${c.probes} isolation probes, ${c.findings} findings`);
    console.log(
      `    full audit ${ms(c.fullAuditMs)}  (${(c.fullAuditMs / TODAY_MS).toFixed(2)}x the 3.5 s before; ${c.fullAuditMs <= TARGET_MS ? 'within' : 'OVER'} the 10 s target)`,
    );
    console.log(
      `    the same audit, probes a statement at a time from the client: ${ms(c.inlineProbesMs)}; one round trip / statement at a time ${c.overInline.toFixed(2)} (median of paired rounds)`,
    );
    console.log(
      `    baseline: ${c.probes} bare probes in one transaction ${ms(c.bareProbesMs)}; audit / baseline ${c.auditOverBare.toFixed(2)}x`,
    );
  }
}
