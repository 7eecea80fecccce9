/** Shared by the audit tests: a fingerprint of every table, and planted schemas. */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../../src/db/connect.js';
import { auditSettings, type AuditConfig } from '../../src/config/audit.js';

/** Row count and an md5 of the sorted rows of every table in every non-system schema. */
export async function tableFingerprint(sql: Sql): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
    order by 1`;
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe<{ n: string; h: string | null }[]>(
      `select count(*)::text as n, md5(string_agg(t::text, ',' order by t::text)) as h from ${name} t`,
    );
    out[name] = `${row!.n} ${row!.h ?? '-'}`;
  }
  return out;
}

export interface Planted {
  file: string;
  sql: string;
  expects: { id: string; object: string }[];
  causes: { query: string; text: string }[];
  config: Partial<AuditConfig>;
}

const year = new Date().getUTCFullYear();

export async function loadPlanted(dir = 'test/audit/planted'): Promise<Planted[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await fs.readFile(path.join(dir, file), 'utf8');
      const fill = (s: string) => s.replaceAll('{year}', String(year)).replaceAll('{next}', String(year + 1));
      const expects = [...sql.matchAll(/^-- expect: (\S+) (.+)$/gm)].map((m) => ({
        id: m[1]!,
        object: fill(m[2]!.trim()),
      }));
      const causes = [...sql.matchAll(/^-- cause: (\S+) (.+)$/gm)].map((m) => ({ query: m[1]!, text: m[2]!.trim() }));
      const config = /^-- config: (.+)$/m.exec(sql);
      return { file, sql, expects, causes, config: config ? (JSON.parse(config[1]!) as Partial<AuditConfig>) : {} };
    }),
  );
}

/** The audit section with test overrides on top of the defaults (few latency runs: the tests check behaviour, not speed). */
export function testConfig(overrides: Partial<AuditConfig> = {}): AuditConfig {
  const base = auditSettings({});
  return auditSettings({
    ...base,
    ...overrides,
    latency: { ...base.latency, iterations: 3, seedArtists: 20, seedDays: 40, ...(overrides.latency ?? {}) },
  } as AuditConfig);
}

/** A limiter: at most `concurrency` of the functions given to the returned slot() run at once (audits are CPU-heavy). */
export function slots(concurrency: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((r) => waiting.push(r));
    running += 1;
    try {
      return await fn();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
