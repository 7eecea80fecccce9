/**
 * The harness checked against pgbench on the same transactions, in the same run: `select 1` and
 * an impersonated empty request at the pool's connection count, and the read mix at the mixed
 * run's client count. Rounds alternate which engine goes first (the machine's load drifts);
 * medians and their ratio are reported.
 */
import { runLoad, type LoadResult } from './engine.js';
import { runPgbench, type PgbenchResult } from './pgbench.js';
import { median } from './stats.js';
import { emptyRequestTransaction, selectOneTransaction, type BenchTransaction, type Subject } from './transactions.js';

export interface EngineFigures {
  throughput: number;
  p50: number;
  p95: number;
  errors: number;
  clientCpuUsPerRequest: number;
  serverCpuUsPerRequest: number | null;
}

export interface PairedCase {
  name: 'select_1' | 'empty_request' | 'read_mix';
  title: string;
  connections: number;
  rounds: { dreamdb: EngineFigures; pgbench: EngineFigures | null }[];
  /** Medians over the rounds. */
  dreamdb: EngineFigures;
  /** Null when pgbench is not installed. */
  pgbench: EngineFigures | null;
  /** dreamdb / pgbench median throughput. */
  ratio: number | null;
  aborted: string[];
}

export interface PairedOptions {
  url: string;
  /** pgbench's path, or null: the Node engine alone. */
  pgbench: string | null;
  subjects: Subject[];
  reads: BenchTransaction[];
  statementTimeout: string;
  pool: number;
  clients: number;
  threads: number;
  /** pgbench's -j. */
  pgbenchThreads: number;
  durationS: number;
  rounds: number;
  postmasterPid: number | null;
  seed: number;
  onProgress?: (text: string) => void;
}

const figures = (r: LoadResult | PgbenchResult): EngineFigures => ({
  throughput: r.throughput,
  p50: r.latency.p50,
  p95: r.latency.p95,
  errors: r.errors,
  clientCpuUsPerRequest: r.cpu.clientMs * 1000,
  serverCpuUsPerRequest: r.cpu.serverMs === null ? null : r.cpu.serverMs * 1000,
});

const medianOf = (xs: EngineFigures[]): EngineFigures => {
  const m = (k: keyof EngineFigures) => {
    const v = xs.map((x) => x[k]).filter((n): n is number => n !== null);
    return v.length ? median(v) : null;
  };
  return {
    throughput: m('throughput')!,
    p50: m('p50')!,
    p95: m('p95')!,
    errors: xs.reduce((a, x) => a + x.errors, 0),
    clientCpuUsPerRequest: m('clientCpuUsPerRequest')!,
    serverCpuUsPerRequest: m('serverCpuUsPerRequest'),
  };
};

export async function compareWithPgbench(o: PairedOptions): Promise<PairedCase[]> {
  const cases: { name: PairedCase['name']; title: string; transactions: BenchTransaction[]; connections: number }[] = [
    { name: 'select_1', title: 'select 1', transactions: [selectOneTransaction()], connections: o.pool },
    {
      name: 'empty_request',
      title: 'impersonated empty request',
      transactions: [emptyRequestTransaction(o.statementTimeout)],
      connections: o.pool,
    },
    {
      name: 'read_mix',
      title: `read mix (${o.reads.map((r) => r.name).join(', ')})`,
      transactions: o.reads,
      connections: o.clients,
    },
  ];
  const out: PairedCase[] = [];
  for (const c of cases) {
    const rounds: PairedCase['rounds'] = [];
    const aborted = new Set<string>();
    for (let round = 0; round < o.rounds; round += 1) {
      o.onProgress?.(`${c.title}, ${c.connections} connections, round ${round + 1}/${o.rounds}`);
      const ours = () =>
        runLoad({
          url: o.url,
          transactions: c.transactions,
          subjects: o.subjects,
          connections: c.connections,
          threads: o.threads,
          load: { kind: 'closed', clients: c.connections },
          durationMs: o.durationS * 1000,
          seed: o.seed + round,
        });
      const pgbench = o.pgbench;
      const theirs = async () =>
        pgbench === null
          ? null
          : runPgbench({
              pgbench,
              url: o.url,
              transactions: c.transactions,
              subjects: o.subjects,
              clients: c.connections,
              threads: o.pgbenchThreads,
              durationS: o.durationS,
              warmupS: 2,
              postmasterPid: o.postmasterPid,
            });
      let a: LoadResult;
      let b: PgbenchResult | null;
      if (round % 2 === 0) {
        a = await ours();
        b = await theirs();
      } else {
        b = await theirs();
        a = await ours();
      }
      for (const line of b?.aborted ?? []) aborted.add(line);
      rounds.push({ dreamdb: figures(a), pgbench: b ? figures(b) : null });
    }
    const dreamdb = medianOf(rounds.map((r) => r.dreamdb));
    const pgbench = o.pgbench === null ? null : medianOf(rounds.map((r) => r.pgbench!));
    const ratio = pgbench && pgbench.throughput > 0 ? dreamdb.throughput / pgbench.throughput : null;
    out.push({
      name: c.name,
      title: c.title,
      connections: c.connections,
      rounds,
      dreamdb,
      pgbench,
      ratio,
      aborted: [...aborted].slice(0, 3),
    });
  }
  return out;
}
