/**
 * The bench's targets, each met or not with its figure, and when missed the part that holds it
 * back: the harness (client CPU against pgbench's), the pool (time waiting for a connection), the
 * database (its own time per request from pg_stat_statements or timed inside the server), the
 * machine (both sides' CPU per request against the cores), or realtime's decoding, filtering or
 * RLS share.
 */
import type { BenchResult, Target_ } from './result.js';
import type { LoadResult } from './engine.js';
import type { PgbenchResult } from './pgbench.js';

export type { Target_ } from './result.js';

const loadText = (r: BenchResult) =>
  `${r.settings.loadAverage.start.toFixed(1)}→${r.settings.loadAverage.end.toFixed(1)}`;
const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
const us = (n: number) => `${n.toFixed(1)} µs`;

/** The database's mean time per request over the mixed run, weighted by the mix (null without pg_stat_statements). */
export function databaseMeanMs(r: BenchResult): number | null {
  const cost = r.shipped.cost;
  if (!Array.isArray(cost)) return null;
  let weighted = 0;
  let n = 0;
  for (const t of r.shipped.mixed.types) {
    const c = cost.find((x) => x.name === t.name);
    if (!c || c.totalMeanMs === null) return null;
    weighted += c.totalMeanMs * t.requests;
    n += t.requests;
  }
  return n ? weighted / n : null;
}

/** Share of the cores busy serving the run: (client + server CPU per request) × throughput. */
export function cpuBusy(
  run: LoadResult | PgbenchResult,
  cores: number,
): { busy: number; clientUs: number; serverUs: number | null } {
  const clientUs = run.cpu.clientMs * 1000;
  const serverUs = run.cpu.serverMs === null ? null : run.cpu.serverMs * 1000;
  const busy = (((clientUs + (serverUs ?? 0)) / 1e6) * run.throughput) / cores;
  return { busy, clientUs, serverUs };
}

function mixedHeldBack(r: BenchResult): string {
  const m = r.shipped.mixed;
  const cores = r.settings.cores;
  const parts: [string, number][] = [];
  const db = databaseMeanMs(r);
  if (db !== null) parts.push([`the database (${ms(db)} of its own per request, pg_stat_statements)`, db]);
  if (m.engine === 'dreamdb') {
    parts.push([
      `the pool (${r.settings.clients} clients on ${r.settings.pool} connections: ${ms(m.poolWait.mean)} mean wait, p95 ${ms(m.poolWait.p95)})`,
      m.poolWait.mean,
    ]);
    const rest = m.latency.mean - m.poolWait.mean - (db ?? 0);
    const cpu = cpuBusy(m, cores);
    parts.push([
      `the machine's CPU (${ms(rest)} per request outside the pool and the database; this run's client ${us(cpu.clientUs)} + server ${cpu.serverUs === null ? '?' : us(cpu.serverUs)} per request keep ${Math.round(cpu.busy * 100)}% of ${cores} cores busy, load average ${loadText(r)})`,
      rest,
    ]);
  }
  parts.sort((a, b) => b[1] - a[1]);
  const reads = r.harness.cases.find((c) => c.name === 'read_mix');
  // pgbench on the same reads at the same clients says whether a lean client would do better here.
  const also = reads?.pgbench
    ? `; pgbench on the read mix at ${reads.connections} clients: p95 ${ms(reads.pgbench.p95)}${reads.pgbench.p95 > 10 ? ' (above 10 ms too: the machine, not the harness or the schema)' : ' (within 10 ms: the harness adds the rest)'}`
    : '';
  return `${parts[0]?.[0] ?? 'unknown (no breakdown for this engine)'}${also}`;
}

export function benchTargets(r: BenchResult): Target_[] {
  const out: Target_[] = [];
  for (const c of r.harness.cases) {
    if (!c.pgbench || c.ratio === null) {
      out.push({
        name: `harness: ${c.title}, ${c.connections} connections`,
        target: '≥ 0.8 of pgbench',
        measured: `${Math.round(c.dreamdb.throughput)} req/s; ${r.harness.skipped ?? 'pgbench not run'}`,
        met: null,
      });
      continue;
    }
    const met = c.ratio >= 0.8;
    out.push({
      name: `harness: ${c.title}, ${c.connections} connections`,
      target: '≥ 0.8 of pgbench',
      measured: `${Math.round(c.dreamdb.throughput)} vs ${Math.round(c.pgbench.throughput)} req/s = ${c.ratio.toFixed(2)} (p95 ${ms(c.dreamdb.p95)} vs ${ms(c.pgbench.p95)})`,
      met,
      ...(met
        ? {}
        : {
            heldBackBy: `the harness: client CPU ${us(c.dreamdb.clientCpuUsPerRequest)} per request against pgbench's ${us(c.pgbench.clientCpuUsPerRequest)}`,
          }),
    });
  }

  const m = r.shipped.mixed;
  const mixedMet = m.latency.p95 <= 10 && m.errors === 0;
  out.push({
    name: `mixed workload, ${r.settings.clients} clients (${m.engine})`,
    target: 'p95 ≤ 10 ms, 0 errors',
    measured: `p95 ${ms(m.latency.p95)}, ${m.errors} errors, ${Math.round(m.throughput)} req/s = ${(r.shipped.fractionOfCeiling * 100).toFixed(0)}% of the select-1 ceiling`,
    met: mixedMet,
    ...(mixedMet
      ? {}
      : {
          heldBackBy:
            m.errors > 0
              ? `errors: ${m.types
                  .filter((t) => t.errors)
                  .map((t) => `${t.name} ${t.errors}`)
                  .join(', ')}`
              : mixedHeldBack(r),
        }),
  });

  const cap = r.capacity?.capacity.find((c) => c.budgetMs === 50);
  if (!r.capacity || !cap)
    out.push({
      name: 'capacity at p95 ≤ 50 ms (open loop)',
      target: '≥ 1,000 req/s',
      measured: 'not run (--sweep)',
      met: null,
    });
  else {
    const met = cap.rate >= 1000;
    const miss = cap.firstMiss;
    let held: string | undefined;
    if (!met && miss) {
      const parts: [string, number][] = [
        [
          `the pool: at ${miss.rate} req/s requests wait ${ms(miss.poolWaitMean)} on average for one of ${r.settings.pool} connections`,
          miss.poolWaitMean,
        ],
        [
          `the database and the machine: ${ms(miss.serviceMean)} on a connection per request at ${miss.rate} req/s`,
          miss.serviceMean,
        ],
        [
          `the harness's threads starting requests ${ms(miss.lagMean)} behind schedule at ${miss.rate} req/s (their timers wait for a core: load average ${loadText(r)} on ${r.settings.cores} cores)`,
          miss.lagMean,
        ],
      ];
      parts.sort((a, b) => b[1] - a[1]);
      held = parts[0]![0];
    }
    const users200 = r.capacity.capacity.find((c) => c.budgetMs === 200);
    out.push({
      name: 'capacity at p95 ≤ 50 ms (open loop)',
      target: '≥ 1,000 req/s',
      measured: `${cap.rate.toLocaleString('en-US')} req/s = ${cap.users.toLocaleString('en-US')} users at one request per ${r.capacity.thinkS} s${users200 ? `; at p95 ≤ 200 ms: ${users200.rate.toLocaleString('en-US')} req/s = ${users200.users.toLocaleString('en-US')} users` : ''}`,
      met,
      ...(held ? { heldBackBy: held } : {}),
    });
  }

  const dash = r.shipped.atDatabase.find((d) => d.name === 'dashboard');
  if (dash) {
    const met = dash.errors === 0 && dash.latency.p95 <= 1;
    const cost = Array.isArray(r.shipped.cost) ? r.shipped.cost.find((c) => c.name === 'dashboard')?.query : null;
    out.push({
      name: `dashboard at the database (scale ${r.scale.name})`,
      target: 'p95 ≤ 1 ms',
      measured: dash.errors
        ? `error: ${dash.error}`
        : `p10 ${ms(dash.latency.p10)}, p50 ${ms(dash.latency.p50)}, p95 ${ms(dash.latency.p95)} (inside the server, ${dash.calls} calls)`,
      met,
      ...(met
        ? {}
        : {
            // The fast calls are the function's own cost; when they fit, the slow ones waited for a core.
            heldBackBy:
              dash.latency.p10 <= 1 && !dash.errors
                ? `the machine: the function's own cost fits (p10 ${ms(dash.latency.p10)}, p50 ${ms(dash.latency.p50)}), its tail is the backend waiting for a core (load average ${loadText(r)} on ${r.settings.cores} cores)`
                : `the database: get_dashboard_summary itself (p10 ${ms(dash.latency.p10)} even in the fast calls${cost ? `; ${cost.buffersPerCall.toFixed(0)} shared buffers, ${cost.readsPerCall.toFixed(1)} read from outside shared_buffers per call` : ''})`,
          }),
    });
  }

  if (r.baseline) {
    const slower = r.baseline.comparison.filter((c) => c.ratio !== null && c.ratio > 1);
    out.push({
      name: 'no request type slower than the draft (mixed p95)',
      target: 'ratio ≤ 1 for each',
      measured: slower.length
        ? `slower: ${slower.map((c) => `${c.name} ×${c.ratio!.toFixed(2)}`).join(', ')}`
        : 'none slower',
      met: slower.length === 0,
    });
  }

  const levels = r.realtime?.levels ?? [];
  const rt = levels.find((l) => l.subscribers === 1000) ?? levels.at(-1);
  if (rt) {
    const met = rt.total.p95 <= 50 && rt.visibilityCorrect;
    const parts: [string, number][] = [
      [`logical decoding (${ms(rt.decode.p95)} p95)`, rt.decode.p95],
      [
        `finding and testing the subscriptions (${ms(rt.filter.p95)} p95 for ${rt.candidates.toFixed(1)} candidate(s) of ${rt.subscriptions.toLocaleString('en-US')} subscriptions, looked up by their equality filter)`,
        rt.filter.p95,
      ],
      [
        `the RLS checks (${ms(rt.rlsCheck.p95)} p95 for ${rt.checked.toFixed(1)} matching subscriber(s))`,
        rt.rlsCheck.p95,
      ],
    ];
    parts.sort((a, b) => b[1] - a[1]);
    out.push({
      name: `realtime, database part, ${rt.subscribers.toLocaleString('en-US')} subscribers`,
      target: 'p95 ≤ 50 ms',
      measured: `p95 ${ms(rt.total.p95)}${rt.visibilityCorrect ? '' : ', visibility WRONG'}${levels
        .filter((l) => l !== rt)
        .map((l) => `; ${l.subscribers.toLocaleString('en-US')}: ${ms(l.total.p95)}`)
        .join('')}`,
      met,
      ...(met
        ? {}
        : { heldBackBy: rt.visibilityCorrect ? parts[0]![0] : 'a change was delivered to the wrong subscribers' }),
    });
  } else
    out.push({
      name: 'realtime, database part',
      target: 'p95 ≤ 50 ms',
      measured: r.realtime?.skipped ?? 'not run',
      met: null,
    });

  const db = r.payload.perType.find((p) => p.name === 'dashboard');
  if (db) {
    const met = db.maxBytes < 5 * 1024;
    out.push({
      name: 'dashboard payload',
      target: '< 5 KB',
      measured: `mean ${db.meanBytes} B, max ${db.maxBytes} B (JSON body)`,
      met,
      ...(met
        ? {}
        : { heldBackBy: "the database: get_dashboard_summary's sections (their LIMITs and columns) make the body" }),
    });
  }
  const monthlyMet = r.payload.monthlyBytes < r.payload.targetMonthlyBytes;
  const biggest = [...r.payload.perType].sort((a, b) => b.meanBytes - a.meanBytes)[0];
  out.push({
    name: 'monthly data per active user',
    target: `< ${(r.payload.targetMonthlyBytes / 1048576).toFixed(0)} MB`,
    measured: `${(r.payload.monthlyBytes / 1048576).toFixed(2)} MB (${r.payload.usage})`,
    met: monthlyMet,
    ...(monthlyMet || !biggest
      ? {}
      : { heldBackBy: `the responses' size: ${biggest.name} is the largest at ${biggest.meanBytes} B mean` }),
  });
  return out;
}
