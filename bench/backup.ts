/**
 * npm run bench:backup — backup and restore rates at the `medium` scale (1,000 artists, a year of
 * daily metrics), and in the same run, on the same database, pg_dump -Fc and pg_restore where a
 * pg_dump of the server's major version exists (the machine's PostgreSQL 15:
 * DREAMDB_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres). Medians of
 * BENCH_RUNS (default 3) runs after one warm-up, the tools interleaved so load on the machine
 * hits both alike. Target: dreamdb within 1.5x of pg_dump / pg_restore.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { createBackup } from '../src/backup/create.js';
import { findPgDump } from '../src/backup/pgdump.js';
import { restoreBackup } from '../src/backup/restore.js';
import { backupSize } from '../src/backup/restore.js';
import { backupSettings } from '../src/config/backup.js';
import { createContext } from '../src/context.js';
import { connect } from '../src/db/connect.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { createOutput } from '../src/ui/output.js';
import { seedDatabase } from '../test/backup/seed.js';
import { benchServer, median, ms } from './lib.js';

const execFileAsync = promisify(execFile);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const json = process.argv.includes('--json');
const say = (text: string) => json || process.stderr.write(`${text}\n`);
const cfg = backupSettings({});
const server = await benchServer();
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-bench-backup-'));
const settings = { ...defaultMigrateSettings };

const SOURCE = 'dreamdb_bench_backup_src';
const sourceUrl = await server.createDatabase(SOURCE);
await runMigrations(sourceUrl, { settings });
const seeded = await seedMedium(sourceUrl);
const sql = connect(sourceUrl);
const [size] = await sql<{ rows: string; bytes: string; metrics: string }[]>`
  select (select sum(n_live_tup) from pg_stat_user_tables where schemaname in ('public', 'storage', 'auth'))::text as rows,
         pg_database_size(current_database())::text as bytes,
         (select count(*) from public.metrics)::text as metrics`;
const [v] = await sql<{ major: number }[]>`select current_setting('server_version_num')::int / 10000 as major`;
await sql.end();
const pgDump = await findPgDump(v!.major).catch(() => undefined);
const pgRestore = pgDump ? path.join(path.dirname(pgDump.path), 'pg_restore') : undefined;
say(
  `bench:backup on ${server.kind}: ${seeded}, ${Number(size!.metrics).toLocaleString('en-US')} metric rows, ${Number(size!.rows).toLocaleString('en-US')} rows, database ${(Number(size!.bytes) / 1024 ** 2).toFixed(0)} MB`,
);
say(pgDump ? `baseline: ${pgDump.version} (-Fc) and pg_restore` : `no pg_dump ${v!.major} here: dreamdb figures only`);

const t = {
  backup: [] as number[],
  restore: [] as number[],
  load: [] as number[],
  check: [] as number[],
  analyze: [] as number[],
  pgDump: [] as number[],
  pgRestore: [] as number[],
};
let backupBytes = 0;
let dumpBytes = 0;
let rows = 0;
try {
  for (let i = -1; i < runs; i += 1) {
    const label = i < 0 ? 'warm-up' : `run ${i + 1}/${runs}`;
    const out = path.join(work, `run${i + 1}`);
    let start = performance.now();
    const b = await createBackup(sourceUrl, {
      outDir: out,
      include: cfg.include,
      exclude: cfg.exclude,
      jobs: cfg.jobs,
      compression: cfg.compression,
      lockTimeoutMs: 60_000,
    });
    const backupMs = performance.now() - start;
    backupBytes = await backupSize(b.dir);
    rows = b.manifest.totals.rows;

    const target = await server.createDatabase(`dreamdb_bench_backup_dst`);
    start = performance.now();
    const r = await restoreBackup(b.dir, target, { settings, cwd: process.cwd(), env: {}, keyEnv: cfg.keyEnv });
    const restoreMs = performance.now() - start;
    await server.dropDatabase('dreamdb_bench_backup_dst');
    await fs.rm(out, { recursive: true, force: true });

    let dumpMs = NaN;
    let pgRestoreMs = NaN;
    if (pgDump && pgRestore) {
      const file = path.join(work, `run${i + 1}.pgdump`);
      start = performance.now();
      await execFileAsync(pgDump.path, ['--format=custom', `--file=${file}`, `--dbname=${sourceUrl}`], {
        maxBuffer: 1 << 24,
      });
      dumpMs = performance.now() - start;
      dumpBytes = (await fs.stat(file)).size;
      const target2 = await server.createDatabase('dreamdb_bench_backup_pgr');
      start = performance.now();
      await execFileAsync(pgRestore, [`--dbname=${target2}`, file], { maxBuffer: 1 << 24 });
      pgRestoreMs = performance.now() - start;
      await server.dropDatabase('dreamdb_bench_backup_pgr');
      await fs.rm(file, { force: true });
    }
    say(
      `  ${label}: backup ${ms(backupMs)}, restore ${ms(restoreMs)} (load+index ${ms(r.timings.loadMs)}, compare ${ms(r.timings.checkMs)}, analyze ${ms(r.timings.analyzeMs)})${pgDump ? `; pg_dump ${ms(dumpMs)}, pg_restore ${ms(pgRestoreMs)}` : ''}`,
    );
    if (i < 0) continue;
    t.backup.push(backupMs);
    t.restore.push(restoreMs);
    t.load.push(r.timings.loadMs);
    t.check.push(r.timings.checkMs);
    t.analyze.push(r.timings.analyzeMs);
    if (pgDump) {
      t.pgDump.push(dumpMs);
      t.pgRestore.push(pgRestoreMs);
    }
  }
} finally {
  await server.dropDatabase(SOURCE);
  await server.close();
  await fs.rm(work, { recursive: true, force: true });
}

const m = (xs: number[]) => (xs.length ? median(xs) : NaN);
const result = {
  server: server.kind,
  runs,
  data: seeded,
  rows,
  metricRows: Number(size!.metrics),
  dreamdb: {
    backupMs: m(t.backup),
    restoreMs: m(t.restore),
    restoreLoadAndIndexMs: m(t.load),
    restoreCompareMs: m(t.check),
    restoreAnalyzeMs: m(t.analyze),
    backupRowsPerSecond: Math.round(rows / (m(t.backup) / 1000)),
    restoreRowsPerSecond: Math.round(rows / (m(t.restore) / 1000)),
    backupBytes,
  },
  pgDump: pgDump ? { version: pgDump.version, dumpMs: m(t.pgDump), restoreMs: m(t.pgRestore), dumpBytes } : null,
  ratios: pgDump
    ? { backupVsPgDump: m(t.backup) / m(t.pgDump), restoreVsPgRestore: m(t.restore) / m(t.pgRestore) }
    : null,
  target: 'dreamdb within 1.5x of pg_dump / pg_restore',
};
if (json) console.log(JSON.stringify(result, null, 2));
else {
  const d = result.dreamdb;
  console.log(
    `bench:backup on ${result.server}, ${runs} runs (medians), ${rows.toLocaleString('en-US')} rows (${result.metricRows.toLocaleString('en-US')} metrics)`,
  );
  console.log(
    `  dreamdb backup    ${ms(d.backupMs)}  ${d.backupRowsPerSecond.toLocaleString('en-US')} rows/s, ${(d.backupBytes / 1024 ** 2).toFixed(1)} MB`,
  );
  console.log(
    `  dreamdb restore   ${ms(d.restoreMs)}  ${d.restoreRowsPerSecond.toLocaleString('en-US')} rows/s (load+index ${ms(d.restoreLoadAndIndexMs)}, compare with the manifest ${ms(d.restoreCompareMs)}, analyze ${ms(d.restoreAnalyzeMs)})`,
  );
  if (result.pgDump && result.ratios) {
    console.log(
      `  pg_dump -Fc       ${ms(result.pgDump.dumpMs)}  ${(result.pgDump.dumpBytes / 1024 ** 2).toFixed(1)} MB`,
    );
    console.log(`  pg_restore        ${ms(result.pgDump.restoreMs)}`);
    console.log(`  backup / pg_dump      ${result.ratios.backupVsPgDump.toFixed(2)}x   (target <= 1.5x)`);
    console.log(`  restore / pg_restore  ${result.ratios.restoreVsPgRestore.toFixed(2)}x   (target <= 1.5x)`);
  } else {
    console.log(
      '  pg_dump / pg_restore: no matching version on this machine (run with DREAMDB_BENCH_DATABASE_URL on the PostgreSQL 15 server)',
    );
  }
}

/** The seeding engineer's `dreamdb seed --scale medium` when it is there, else generate_series rows of the same size. */
async function seedMedium(url: string): Promise<string> {
  try {
    const { seed } = await import('../src/commands/seed.js');
    const ctx = await createContext(
      { db: url },
      { out: createOutput({ interactive: false, stderr: new Writable({ write: (_c, _e, cb) => cb() }) }), env: {} },
    );
    await seed(ctx, { scale: 'medium', fixtures: false });
    const s = connect(url);
    await s`analyze`;
    await s.end();
    return 'dreamdb seed --scale medium (1,000 artists, 365 days)';
  } catch (error) {
    say(`dreamdb seed is not usable here (${(error as Error).message.split('\n')[0]}); seeding with generate_series`);
    const s = connect(url, { max: 2 });
    await seedDatabase(s, { artists: 1000, days: 365, platforms: 4 });
    await s.end();
    return 'generate_series seed (1,000 artists, 365 days, 4 platforms)';
  }
}
