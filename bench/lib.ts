/** Shared bits of the benchmark scripts: a server to run on, medians, printing. */
import path from 'node:path';
import { acquire, embeddedPaths, type Lease } from '../src/db/embedded.js';
import { connect } from '../src/db/connect.js';

export interface BenchServer {
  url: string;
  kind: string;
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  close(): Promise<void>;
}

/** $DREAMDB_BENCH_DATABASE_URL, else the embedded server of this checkout (.dreamdb/bench-cluster). */
export async function benchServer(): Promise<BenchServer> {
  let lease: Lease | undefined;
  let url = process.env.DREAMDB_BENCH_DATABASE_URL;
  let kind = 'external';
  if (!url) {
    lease = await acquire(embeddedPaths(path.resolve('.dreamdb/bench-cluster')));
    url = lease.url;
    kind = 'embedded PostgreSQL 17';
  }
  const admin = connect(url);
  const [v] = await admin<{ v: string }[]>`select current_setting('server_version') as v`;
  kind = `${kind} (${v!.v})`;
  const dbUrl = (name: string) => {
    const u = new URL(url!);
    u.pathname = `/${name}`;
    return u.toString();
  };
  return {
    url,
    kind,
    async createDatabase(name) {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.unsafe(`create database "${name}"`);
      return dbUrl(name);
    },
    async dropDatabase(name) {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    },
    async close() {
      await admin.end();
      await lease?.release();
    },
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const rank = Math.ceil((p / 100) * s.length) - 1;
  return s[Math.min(s.length - 1, Math.max(0, rank))]!;
}

export function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}
