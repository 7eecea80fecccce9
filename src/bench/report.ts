/** The bench's human report: tables, sparklines, targets. */
import type { BenchResult } from './result.js';
import { style } from '../ui/output.js';
import type { Summary } from './stats.js';

const ms = (n: number | null | undefined) =>
  n === null || n === undefined || Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const lat = (l: Summary) => [ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max)].map((x) => lpad(x, 7)).join('');
const bytes = (n: number) =>
  n >= 1048576 ? `${(n / 1048576).toFixed(2)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${Math.round(n)} B`;

const lat4 = (l: Summary) => [ms(l.p50), ms(l.p95), ms(l.p99), ms(l.p999)].map((x) => lpad(x, 7)).join('');
const us = (n: number | null) => (n === null ? '–' : `${n.toFixed(1)} µs`);

export function renderBench(r: BenchResult): string[] {
  const lines: string[] = [];
  const s = r.scale;
  lines.push(style.bold(`dreamdb bench on ${r.target}`));
  lines.push(
    style.dim(
      `  ${s.artists.toLocaleString('en-US')} artists × ${s.days} days (scale ${s.name}, seed ${s.seed}, ${int(s.metricRows)} metric rows, ${s.reused ? 'reused' : `seeded in ${(s.seedMs / 1000).toFixed(1)} s`}); ${r.settings.clients} clients, pool ${r.settings.pool}, ${r.settings.threads} load thread(s) (pgbench -j ${r.settings.pgbenchThreads}), ${r.settings.subjects} signed-in artists, ${r.settings.durationS} s; ${r.settings.cores} cores, load average ${r.settings.loadAverage.start.toFixed(1)} → ${r.settings.loadAverage.end.toFixed(1)}; mix ${r.settings.mix}`,
    ),
  );
  lines.push('');
  lines.push(style.bold('Each request alone (ms): one client through postgres.js, and inside the server'));
  lines.push(
    style.dim(
      `  ${pad('request', 24)}${['p50', 'p95', 'p99', 'max'].map((h) => lpad(h, 7)).join('')}  errors   ${pad('server p50', 11)}${lpad('p95', 7)}`,
    ),
  );
  for (const i of r.shipped.isolated) {
    const d = r.shipped.atDatabase.find((x) => x.name === i.name);
    const server = d
      ? d.errors
        ? style.red(`error: ${d.error}`)
        : `${lpad(ms(d.latency.p50), 10)} ${lpad(ms(d.latency.p95), 7)}`
      : '';
    lines.push(
      `  ${pad(i.name, 24)}${lat(i.latency)}  ${i.errors ? style.red(lpad(String(i.errors), 6)) : lpad('0', 6)}   ${server}`,
    );
  }
  lines.push('');
  lines.push(...renderHarness(r));
  lines.push('');
  lines.push(...renderLoad(`Mixed workload, closed loop (${r.shipped.mixed.engine})`, r.shipped.mixed, r));
  lines.push(...renderCost(r));
  if (r.openLoop) {
    lines.push('');
    lines.push(
      ...renderLoad(
        `Open loop at ${int(r.openLoop.offeredRate ?? 0)} req/s offered (${r.openLoop.engine}; latency from the scheduled start)`,
        r.openLoop,
        r,
      ),
    );
  }
  if (r.capacity) {
    lines.push('');
    lines.push(style.bold(`Capacity: open-loop rates (pool ${r.settings.pool}; latency from the scheduled start, ms)`));
    lines.push(
      style.dim(
        `  ${lpad('offered', 8)}${lpad('achieved', 10)}${['p50', 'p95', 'p99', 'p99.9'].map((h) => lpad(h, 7)).join('')}${lpad('pool', 8)}${lpad('on conn', 9)}${lpad('lag', 7)}  unstarted errors`,
      ),
    );
    for (const p of r.capacity.points) {
      lines.push(
        `  ${lpad(int(p.rate), 8)}${lpad(int(p.achieved), 10)}${[p.p50, p.p95, p.p99, p.p999].map((x) => lpad(ms(x), 7)).join('')}${lpad(ms(p.poolWaitMean), 8)}${lpad(ms(p.serviceMean), 9)}${lpad(ms(p.lagMean), 7)}  ${lpad(String(p.notStarted), 9)} ${lpad(String(p.errors), 6)}`,
      );
    }
    for (const c of r.capacity.capacity)
      lines.push(
        `  p95 ≤ ${c.budgetMs} ms: ${style.bold(`${int(c.rate)} req/s`)} = ${int(c.users)} users sending a request every ${r.capacity.thinkS} s`,
      );
  }
  const p = r.payload;
  lines.push('');
  lines.push(style.bold('Bytes per response (JSON body, as PostgREST builds it)'));
  for (const t of p.perType)
    lines.push(
      `  ${pad(t.name, 24)}${lpad(bytes(t.meanBytes), 10)} mean ${lpad(bytes(t.maxBytes), 10)} max ${t.gzipMeanBytes === null ? '' : style.dim(`${lpad(bytes(t.gzipMeanBytes), 9)} gzipped`)}`,
    );
  lines.push(
    `  monthly per active user: ${style.bold(bytes(p.monthlyBytes))} (${p.usage}; ${int(p.requestsPerMonth)} requests) vs target ${bytes(p.targetMonthlyBytes)}`,
  );

  if (r.baseline) {
    const b = r.baseline;
    lines.push('');
    lines.push(style.bold(`Against the draft schema (${b.database}${b.kept ? ', kept' : ', dropped after the run'})`));
    lines.push(
      `  same data: ${b.dataIdentical ? style.green('identical') : style.red('DIFFERENT')} (row counts and md5 of every row at the draft's column types, ${b.copied.map((t) => `${t.table} ${int(t.rows)}`).join(', ')})`,
    );
    lines.push(...renderLoad('Mixed workload (draft schema)', b.mixed, r));
    lines.push(
      style.dim(
        `  ${pad('request', 24)}${lpad('mixed p95', 11)}${lpad('draft', 9)}${lpad('ratio', 8)}${lpad('alone p95', 11)}${lpad('draft', 9)}${lpad('ratio', 8)}`,
      ),
    );
    for (const x of b.comparison) {
      const ratio = (v: number | null) => {
        const text = lpad(v === null ? '–' : `×${v.toFixed(2)}`, 8);
        return v === null ? text : v > 1 ? style.red(text) : style.green(text);
      };
      lines.push(
        `  ${pad(x.name, 24)}${lpad(ms(x.shippedP95), 11)}${lpad(ms(x.draftP95), 9)}${ratio(x.ratio)}${lpad(ms(x.isolatedShippedP95), 11)}${lpad(ms(x.isolatedDraftP95), 9)}${ratio(x.isolatedRatio)}`,
      );
      if (x.note) lines.push(style.yellow(`    ${x.note}`));
    }
    lines.push(style.dim('  ratio = shipped / draft p95 (below 1: the shipped schema is faster)'));
  }

  lines.push('');
  lines.push(style.bold("Realtime, the database's part, as Postgres Changes does it (ms)"));
  const rt = r.realtime;
  if (!rt) lines.push(style.dim('  not run (--no-realtime)'));
  else if (rt.skipped) lines.push(style.yellow(`  skipped: ${rt.skipped}`));
  else {
    lines.push(
      style.dim(
        `  ${pad('subscribers', 14)}${lpad('decode p50', 11)}${lpad('p95', 8)}${lpad('filters p50', 12)}${lpad('p95', 8)}${lpad('RLS p50', 9)}${lpad('p95', 8)}${lpad('cand.', 7)}${lpad('checked', 9)}${lpad('total p50', 11)}${lpad('p95', 8)}`,
      ),
    );
    for (const l of rt.levels) {
      lines.push(
        `  ${pad(`${int(l.subscribers)}${l.realArtists < l.subscribers ? ` (${int(l.realArtists)} seeded)` : ''}`, 14)}${lpad(ms(l.decode.p50), 11)}${lpad(ms(l.decode.p95), 8)}${lpad(ms(l.filter.p50), 12)}${lpad(ms(l.filter.p95), 8)}${lpad(ms(l.rlsCheck.p50), 9)}${lpad(ms(l.rlsCheck.p95), 8)}${lpad(l.candidates.toFixed(1), 7)}${lpad(l.checked.toFixed(1), 9)}${lpad(ms(l.total.p50), 11)}${lpad(ms(l.total.p95), 8)}${l.visibilityCorrect ? '' : style.red('  visibility WRONG')}`,
      );
    }
    lines.push(
      style.dim(
        `  commit → pgoutput decoding of supabase_realtime (${rt.published.join(', ')}); then the subscriptions (each subscriber's artist_id=eq.<own id> on the three tables) whose equality key is the row's are looked up by index, their filters tested, and the matching ones RLS-checked (cand. = candidates per change)`,
      ),
    );
  }

  lines.push('');
  lines.push(style.bold('Targets'));
  for (const t of r.targets) {
    const mark = t.met === null ? style.dim('·') : t.met ? style.green('✔') : style.red('✘');
    lines.push(`  ${mark} ${pad(t.name, 52)} ${pad(t.target, 22)} ${t.measured}`);
    if (t.heldBackBy) lines.push(style.yellow(`      held back by ${t.heldBackBy}`));
  }
  return lines;
}

function renderHarness(r: BenchResult): string[] {
  const lines = [
    style.bold(
      `The harness beside pgbench, same transactions, same run (median of ${r.harness.cases[0]?.rounds.length ?? 0} round(s), ${r.settings.pgbenchSubjects} artists)`,
    ),
  ];
  if (r.harness.skipped) lines.push(style.yellow(`  ${r.harness.skipped}`));
  lines.push(
    style.dim(
      `  ${pad('case', 34)}${lpad('dreamdb', 9)}${lpad('pgbench', 9)}${lpad('ratio', 7)}${lpad('p95', 8)}${lpad('pgbench', 9)}${lpad('client CPU/req', 16)}${lpad('pgbench', 10)}${lpad('server CPU/req', 16)}`,
    ),
  );
  for (const c of r.harness.cases) {
    const ratio = c.ratio === null ? '–' : c.ratio.toFixed(2);
    lines.push(
      `  ${pad(`${c.name} (${c.connections} conn)`, 34)}${lpad(int(c.dreamdb.throughput), 9)}${lpad(c.pgbench ? int(c.pgbench.throughput) : '–', 9)}${lpad(c.ratio === null ? ratio : c.ratio >= 0.8 ? style.green(ratio) : style.red(ratio), 7)}${lpad(ms(c.dreamdb.p95), 8)}${lpad(ms(c.pgbench?.p95), 9)}${lpad(us(c.dreamdb.clientCpuUsPerRequest), 16)}${lpad(us(c.pgbench?.clientCpuUsPerRequest ?? null), 10)}${lpad(us(c.dreamdb.serverCpuUsPerRequest), 16)}`,
    );
    for (const a of c.aborted) lines.push(style.red(`      pgbench: ${a}`));
  }
  lines.push(
    style.dim(
      `  req/s, closed loop, one client per connection, ${r.settings.pgbenchThreads} load thread(s) each; pgbench -M prepared with \\startpipeline (one Sync per transaction, as dreamdb sends)`,
    ),
  );
  return lines;
}

function renderLoad(title: string, run: BenchResult['shipped']['mixed'], r: BenchResult): string[] {
  const lines: string[] = [];
  lines.push(
    style.bold(
      `${title}: ${int(run.requests)} requests, ${int(run.throughput)} req/s, ${run.errors ? style.red(`${run.errors} errors`) : '0 errors'}`,
    ),
  );
  lines.push(
    style.dim(
      `  ${pad('request', 24)}${lpad('req/s', 8)}${['p50', 'p95', 'p99', 'p99.9'].map((h) => lpad(h, 7)).join('')}  errors`,
    ),
  );
  for (const t of run.types) {
    const errors = lpad(String(t.errors), 6);
    lines.push(
      `  ${pad(t.name, 24)}${lpad(int(t.throughput), 8)}${lat4(t.latency)}  ${t.errors ? style.red(errors) : errors}`,
    );
    for (const e of t.errorMessages) lines.push(style.red(`      ${e}`));
  }
  lines.push(`  ${pad('all', 24)}${lpad(int(run.throughput), 8)}${lat4(run.latency)}  ${lpad(String(run.errors), 6)}`);
  if (run.engine === 'dreamdb') {
    lines.push(
      style.dim(
        `  where the time goes (mean / p95): waiting for a connection ${ms(run.poolWait.mean)} / ${ms(run.poolWait.p95)}; on a connection ${ms(run.service.mean)} / ${ms(run.service.p95)}${run.offeredRate ? `; behind schedule ${ms(run.lag.mean)} / ${ms(run.lag.p95)}` : ''}${run.notStarted ? `; ${run.notStarted} never started` : ''}`,
      ),
    );
  }
  const cpu = run.cpu;
  lines.push(
    style.dim(
      `  CPU per request: client ${us(cpu.clientMs * 1000)} (${run.engine === 'dreamdb' ? `load threads busy ${us(cpu.threadsActiveMs * 1000)}` : 'pgbench'}), database server ${us(cpu.serverMs === null ? null : cpu.serverMs * 1000)}; ${r.settings.cores} cores`,
    ),
  );
  return lines;
}

function renderCost(r: BenchResult): string[] {
  const cost = r.shipped.cost;
  if (!Array.isArray(cost)) return [style.dim(`  the database's own cost: ${cost.unavailable}`)];
  const lines = [
    style.dim(
      `  the database's own cost over the run (pg_stat_statements): ${pad('request', 22)}${lpad('exec', 9)}${lpad('plan', 8)}${lpad('rows', 7)}${lpad('buffers', 9)}${lpad('read', 7)}${lpad('+tx', 8)}${lpad('total', 9)}`,
    ),
  ];
  for (const c of cost) {
    const q = c.query;
    lines.push(
      `  ${' '.repeat(59)}${pad(c.name, 22)}${lpad(q ? ms(q.meanExecMs) : '–', 9)}${lpad(q ? ms(q.meanPlanMs) : '–', 8)}${lpad(q ? q.rowsPerCall.toFixed(1) : '–', 7)}${lpad(q ? q.buffersPerCall.toFixed(0) : '–', 9)}${lpad(q ? q.readsPerCall.toFixed(1) : '–', 7)}${lpad(c.overheadMeanMs === null ? '–' : ms(c.overheadMeanMs), 8)}${lpad(c.totalMeanMs === null ? '–' : ms(c.totalMeanMs), 9)}`,
    );
  }
  lines.push(
    style.dim('  means per call; +tx = BEGIN, the impersonation statement and COMMIT; buffers = shared hit + read'),
  );
  return lines;
}
