/**
 * pg_cron for real, on a throwaway PostgreSQL 15 cluster with pg_cron preloaded (never the shared
 * server): created as Supabase creates it, the job installed by `partitions schedule`, the job's
 * command run, audit lints quiet about it, and pg_cron's refusals one line with exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { defaultMigrateSettings, runMigrations } from '../../src/migrate/engine.js';
import { runLints } from '../../src/audit/lints.js';
import { runCli } from '../helpers/cli.js';
import { pgCronUnavailable, startCronCluster, type CronCluster } from '../helpers/pg15-cron.js';

const unavailable = pgCronUnavailable();
let cluster: CronCluster | undefined;
let sql: Sql;

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startCronCluster('dreamdb_cron');
  await runMigrations(cluster.url, { settings: { ...defaultMigrateSettings } });
  sql = connect(cluster.url, { max: 2 });
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await cluster?.stop();
});

describe.skipIf(unavailable)(`pg_cron on PostgreSQL 15${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('is not reported as extension_in_public even where it was created without a schema', async () => {
    await sql`create extension pg_cron`;
    const [where] =
      await sql`select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_cron'`;
    expect(where!.nspname).toBe('public'); // and ALTER EXTENSION ... SET SCHEMA is not supported
    const { findings } = await runLints(sql, ['public', 'storage'], {});
    expect(findings.filter((f) => f.id === 'extension_in_public')).toEqual([]);
    await sql`drop extension pg_cron`;
  });

  it('schedules the rotation where pg_cron is created as Supabase creates it, and the job runs', async () => {
    const before = await runCli(['partitions', 'schedule', '--db', cluster!.url]);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout + before.stderr).toContain('create extension pg_cron with schema pg_catalog');

    await sql`create extension pg_cron with schema pg_catalog`;
    const r = await runCli(['partitions', 'schedule', '--db', cluster!.url, '--cron', '5 4 * * *']);
    expect(r.code, r.stderr).toBe(0);
    const jobs = await sql<
      { jobname: string; schedule: string; command: string }[]
    >`select jobname, schedule, command from cron.job`;
    expect(jobs).toEqual([
      {
        jobname: 'dreamdb-partitions',
        schedule: '5 4 * * *',
        command: 'CALL dreamdb.rotate_metrics_partitions(p_ahead => 2)',
      },
    ]);
    // What pg_cron runs at 04:05: the rotation with its fixed search_path, from a fresh session.
    await sql.unsafe(jobs[0]!.command).simple();
    const year = new Date().getUTCFullYear();
    const [part] = await sql`select to_regclass(${`public.metrics_y${year + 2}`}) is not null as ok`;
    expect(part!.ok).toBe(true);
  });

  it("refuses a schedule in one line, exit 2: ours and pg_cron's own", async () => {
    const ours = await runCli(['partitions', 'schedule', '--db', cluster!.url, '--cron', '61 * * * *']);
    expect(ours.code).toBe(2);
    expect(ours.stderr.trim().split('\n')).toEqual([
      "error: --cron '61 * * * *': minute 61 is out of range 0-59.",
      expect.stringMatching(/^hint: /),
    ]);
    // pg_cron 1.4 (Debian 12) predates second intervals: its own error, mapped.
    const version = (await sql<{ v: string }[]>`select extversion as v from pg_extension where extname = 'pg_cron'`)[0]!
      .v;
    const theirs = await runCli(['partitions', 'schedule', '--db', cluster!.url, '--cron', '30 seconds']);
    if (version.startsWith('1.4')) {
      expect(theirs.code).toBe(2);
      expect(theirs.stderr).toContain("error: --cron '30 seconds': pg_cron says: invalid schedule");
      expect(theirs.stderr).not.toMatch(/\n\s+at /);
    } else {
      expect(theirs.code, theirs.stderr).toBe(0);
    }
  });
});
