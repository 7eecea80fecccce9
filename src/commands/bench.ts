/**
 * `dreamdb bench`: the mobile workload at scale, as real users, beside pgbench and the draft
 * schema, plus the database's part of realtime latency (src/bench/run.ts; docs/bench.md).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { BenchOptions } from '../bench/result.js';
import type { SyncBenchFlags } from '../bench/run.js';
import { wholeNumberFlag } from '../ui/flags.js';
import { action, EXIT_CODES, TARGET_HELP } from './action.js';

function positiveNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a number above 0.`);
    return n;
  };
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      "replay the mobile app's request mix at scale as impersonated artists: closed and open loop, capacity, beside pgbench and the draft schema; plus realtime's database part",
    )
    .addOption(
      new Option('--scale <scale>', 'seeded volume (reused when already there)').choices(['small', 'medium', 'large']),
    )
    .option(
      '--clients <n>',
      'virtual users of the closed-loop mixed run (concurrent requests); default 16',
      wholeNumberFlag('--clients', { min: 1 }),
    )
    .option('--pool <n>', "connections (PostgREST's default db-pool: 10)", wholeNumberFlag('--pool', { min: 1 }))
    .option(
      '--duration <seconds>',
      'seconds of the mixed run (and of an open-loop run); default 20',
      positiveNumber('--duration'),
    )
    .addOption(
      new Option('--engine <engine>', 'load engine of the mixed and open-loop runs').choices(['dreamdb', 'pgbench']),
    )
    .option(
      '--threads <n>',
      "load threads of dreamdb's engine, each with its own connections; default half the cores, at least 1 (pgbench -j: bench.pgbenchThreads, 2)",
      wholeNumberFlag('--threads', { min: 1 }),
    )
    .option(
      '--rate <req/s>',
      'also an open-loop run at this rate (latency from the scheduled start)',
      positiveNumber('--rate'),
    )
    .option(
      '--users <n>',
      'also an open-loop run of N users, each sending a request every --think seconds',
      wholeNumberFlag('--users', { min: 1 }),
    )
    .option(
      '--think <seconds>',
      'think time of --users, and of the users a capacity stands for; default 10',
      positiveNumber('--think'),
    )
    .option('--sweep', 'find the highest open-loop rate with p95 within 200 ms and within 50 ms')
    .option('--no-pgbench', 'skip the harness check beside pgbench (run when pgbench is on PATH)')
    .option('--mix <file>', 'request mix with weights (default fixtures/bench/mix.json)')
    .addOption(
      new Option('--compare <what>', 'also run against the draft schema on the same data').choices(['baseline']),
    )
    .option('--keep-baseline', 'keep the baseline database (<db>_draft_baseline) instead of dropping it')
    .option('--no-realtime', 'skip the realtime measurement')
    .option(
      '--sync',
      'run the offline-sync bench instead (docs/sync.md): devices offline, conflicting edits, cut connections',
    )
    .option('--devices <n>', 'with --sync: simulated devices (default 20)', wholeNumberFlag('--devices', { min: 1 }))
    .option(
      '--devices-per-artist <n>',
      'with --sync: devices per artist (default 3)',
      wholeNumberFlag('--devices-per-artist', { min: 1 }),
    )
    .option(
      '--sync-minutes <n>',
      'with --sync: simulated minutes of use (default 5)',
      wholeNumberFlag('--sync-minutes', { min: 1 }),
    )
    .option('--drop-rate <p>', "with --sync: chance a request's connection is cut (0..0.9, default 0.25)", (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 0.9)) throw new InvalidArgumentError('--drop-rate must be a number from 0 to 0.9.');
      return n;
    })
    .addHelpText(
      'after',
      `
Seeds the target with dreamdb seed's generated artists (--scale; nothing is re-written when they
are there), then: each request type alone (one client, warm) and timed inside the server; the
harness beside pgbench on the same transactions (select 1, an impersonated empty request, the
read mix); the closed-loop mixed workload (each request one PostgREST-shaped transaction as the
artist, pipelined: one round trip) with pg_stat_statements per request type; optionally an
open-loop run (--rate, --users) and the capacity sweep (--sweep); with --compare baseline the
same against fixtures/bench/draft-schema.sql on the same rows; realtime's database part. Each
target line names the part that holds it back when missed. Writes are restored afterwards; the
replication slot, temporary functions and inserted rows are removed even on error. docs/bench.md.
${TARGET_HELP}

With --sync: simulated devices (several per artist) go offline, edit (the same row on two devices,
deletes), and sync in random order through loopback proxies that cut connections mid-request;
every device's copy is compared with the server's. Reports applied, rejected (by reason), lost,
applied twice, bytes per sync and per user per month, pull latency. Its artists are removed at
the end. Exit 3 when anything was lost, applied twice, or a device differs from the server.

Exit codes: 0 measured (targets are reported, not enforced); 3 the shipped workload had errors;
${EXIT_CODES.trim().split('\n').slice(1).join('\n')}`,
    )
    .action(
      action(async (ctx, opts: BenchOptions & SyncBenchFlags & { sync?: boolean }) => {
        // The bench engine (load workers, pgbench, the seed generator, the driver) loads when bench runs.
        const { runBench, runBenchSync } = await import('../bench/run.js');
        if (opts.sync) {
          const { renderSyncBench } = await import('../bench/sync.js');
          const r = await runBenchSync(ctx, opts);
          ctx.out.result(r, () => renderSyncBench(r));
          return r.lost > 0 || r.duplicated > 0 || r.devices.divergentRows > 0 ? 3 : 0;
        }
        const result = await runBench(ctx, opts);
        const { renderBench } = await import('../bench/report.js');
        ctx.out.result(result, () => renderBench(result));
        return result.shipped.mixed.errors > 0 || result.shipped.isolated.some((i) => i.errors > 0) ? 3 : 0;
      }),
    );
}
