/** The bench's human report: tables, sparklines, targets. */
import type { BenchResult } from '../commands/bench.js';
import { style } from '../ui/output.js';
import { BUCKETS_MS, sparkline, type Summary } from './stats.js';

const ms = (n: number | null | undefined) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const lat = (l: Summary) => [ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max)].map((x) => lpad(x, 7)).join('');
const bytes = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(2)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${Math.round(n)} B`);

export function renderBench(r: BenchResult): string[] {
  const lines: string[] = [];
  const s = r.scale;
  lines.push(style.bold(`dreamdb bench on ${r.target}`));
  lines.push(style.dim(`  ${s.artists.toLocaleString('en-US')} artists × ${s.days} days (scale ${s.name}, seed ${s.seed}, ${int(s.metricRows)} metric rows, ${s.reused ? 'reused' : `seeded in ${(s.seedMs / 1000).toFixed(1)} s`}); ${r.settings.clients} clients, pool ${r.settings.pool}, ${r.settings.durationS} s; mix ${r.settings.mix}`));
  lines.push('');
  lines.push(style.bold('Each request alone, warm, one client (ms)'));
  lines.push(style.dim(`  ${pad('request', 24)}${['p50', 'p95', 'p99', 'max'].map((h) => lpad(h, 7)).join('')}  errors`));
  for (const i of r.shipped.isolated) lines.push(`  ${pad(i.name, 24)}${lat(i.latency)}  ${i.errors ? style.red(String(i.errors)) : '0'}`);
  lines.push('');
  const c = r.ceiling;
  lines.push(style.bold('Ceiling through the same pool and client'));
  lines.push(`  select 1        ${lpad(int(c.trivial.throughput), 8)} req/s   p50 ${ms(c.trivial.latency.p50)}  p95 ${ms(c.trivial.latency.p95)} ms`);
  lines.push(`  empty request   ${lpad(int(c.emptyRequest.throughput), 8)} req/s   p50 ${ms(c.emptyRequest.latency.p50)}  p95 ${ms(c.emptyRequest.latency.p95)} ms  (impersonated read-only transaction doing select 1)`);
  lines.push('');
  lines.push(...renderRun('Mixed workload (shipped schema)', r.shipped.mixed, r.shipped.fractionOfCeiling));
  const p = r.payload;
  lines.push('');
  lines.push(style.bold('Bytes per response (JSON body, as PostgREST builds it)'));
  for (const t of p.perType) lines.push(`  ${pad(t.name, 24)}${lpad(bytes(t.meanBytes), 10)} mean ${lpad(bytes(t.maxBytes), 10)} max ${t.gzipMeanBytes === null ? '' : style.dim(`${lpad(bytes(t.gzipMeanBytes), 9)} gzipped`)}`);
  lines.push(`  monthly per active user: ${style.bold(bytes(p.monthlyBytes))} (${p.usage}; ${int(p.requestsPerMonth)} requests) vs target ${bytes(p.targetMonthlyBytes)}`);

  if (r.baseline) {
    const b = r.baseline;
    lines.push('');
    lines.push(style.bold(`Against the draft schema (${b.database}${b.kept ? ', kept' : ', dropped after the run'})`));
    lines.push(`  same data: ${b.dataIdentical ? style.green('identical') : style.red('DIFFERENT')} (row counts and md5 of every row at the draft's column types, ${b.copied.map((t) => `${t.table} ${int(t.rows)}`).join(', ')})`);
    lines.push(...renderRun('Mixed workload (draft schema)', b.mixed, b.fractionOfCeiling).map((l) => l));
    lines.push(style.dim(`  ${pad('request', 24)}${lpad('mixed p95', 11)}${lpad('draft', 9)}${lpad('ratio', 8)}${lpad('alone p95', 11)}${lpad('draft', 9)}${lpad('ratio', 8)}`));
    for (const x of b.comparison) {
      const ratio = (v: number | null) => {
        const text = lpad(v === null ? '–' : `×${v.toFixed(2)}`, 8);
        return v === null ? text : v > 1 ? style.red(text) : style.green(text);
      };
      lines.push(`  ${pad(x.name, 24)}${lpad(ms(x.shippedP95), 11)}${lpad(ms(x.draftP95), 9)}${ratio(x.ratio)}${lpad(ms(x.isolatedShippedP95), 11)}${lpad(ms(x.isolatedDraftP95), 9)}${ratio(x.isolatedRatio)}`);
      if (x.note) lines.push(style.yellow(`    ${x.note}`));
    }
    lines.push(style.dim('  ratio = shipped / draft p95 (below 1: the shipped schema is faster)'));
  }

  lines.push('');
  lines.push(style.bold('Realtime, the database\'s part (ms)'));
  const rt = r.realtime;
  if (!rt) lines.push(style.dim('  not run (--no-realtime)'));
  else if (rt.skipped) lines.push(style.yellow(`  skipped: ${rt.skipped}`));
  else {
    lines.push(style.dim(`  ${pad('subscribers', 14)}${lpad('decode p50', 11)}${lpad('p95', 8)}${lpad('RLS p50', 10)}${lpad('p95', 8)}${lpad('total p50', 11)}${lpad('p95', 8)}`));
    for (const l of rt.levels) {
      lines.push(`  ${pad(`${int(l.subscribers)}${l.realArtists < l.subscribers ? ` (${int(l.realArtists)} seeded)` : ''}`, 14)}${lpad(ms(l.decode.p50), 11)}${lpad(ms(l.decode.p95), 8)}${lpad(ms(l.rlsCheck.p50), 10)}${lpad(ms(l.rlsCheck.p95), 8)}${lpad(ms(l.total.p50), 11)}${lpad(ms(l.total.p95), 8)}${l.visibilityCorrect ? '' : style.red('  visibility WRONG')}`);
    }
    lines.push(style.dim(`  commit → pgoutput decoding of supabase_realtime (${rt.published.join(', ')}), then one visibility check per subscriber as that artist`));
  }

  lines.push('');
  lines.push(style.bold('Targets'));
  for (const t of r.targets) {
    const mark = t.met === null ? style.dim('·') : t.met ? style.green('✔') : style.red('✘');
    lines.push(`  ${mark} ${pad(t.name, 48)} ${pad(t.target, 22)} ${t.measured}`);
  }
  return lines;
}

function renderRun(title: string, run: BenchResult['shipped']['mixed'], fraction: number): string[] {
  const lines: string[] = [];
  lines.push(style.bold(`${title}: ${int(run.requests)} requests, ${int(run.throughput)} req/s (${(fraction * 100).toFixed(0)}% of the select-1 ceiling), ${run.errors ? style.red(`${run.errors} errors`) : '0 errors'}`));
  lines.push(style.dim(`  ${pad('request', 24)}${lpad('req/s', 8)}${['p50', 'p95', 'p99', 'max'].map((h) => lpad(h, 7)).join('')}  errors  latency ${BUCKETS_MS[0]}ms…1s+`));
  for (const t of run.types) {
    const errors = lpad(String(t.errors), 6);
    lines.push(`  ${pad(t.name, 24)}${lpad(int(t.throughput), 8)}${lat(t.latency)}  ${t.errors ? style.red(errors) : errors}  ${style.cyan(sparkline(t.histogram))}`);
    for (const e of t.errorMessages) lines.push(style.red(`      ${e}`));
  }
  lines.push(`  ${pad('all', 24)}${lpad(int(run.throughput), 8)}${lat(run.latency)}  ${lpad(String(run.errors), 6)}  ${style.cyan(sparkline(run.histogram))}`);
  lines.push(style.dim(`  requests per second over the run: `) + style.cyan(sparkline(run.perSecond)));
  return lines;
}
