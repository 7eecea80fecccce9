/** Shared by the audit tests: a fingerprint of every table, and planted schemas. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type Sql } from '../../src/db/connect.js';
import { createTestDatabase, serverUrl, urlFor, type TestDatabase } from '../helpers/db.js';
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
      const expects = [...sql.matchAll(/^-- expect: (\S+) (.+)$/gm)].map((m) => ({ id: m[1]!, object: fill(m[2]!.trim()) }));
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

let template: Promise<string> | undefined;

/**
 * A freshly migrated database, cloned from one migrated template per test process (CREATE
 * DATABASE ... TEMPLATE): the audit tests need dozens of them and migrating each costs seconds.
 */
export async function auditDatabase(prefix: string): Promise<TestDatabase> {
  template ??= (async () => {
    const db = await createTestDatabase('audit_template');
    await db.sql.end({ timeout: 5 });
    const { migrateUrl } = await import('../helpers/migrate.js');
    await migrateUrl(db.url);
    return db.name;
  })();
  const source = await template;
  const name = `dreamdb_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  const admin = connect(serverUrl());
  try {
    await admin.unsafe(`create database "${name}" template "${source}"`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const sql = connect(url, { max: 4 });
  return {
    name, url, sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const a = connect(serverUrl());
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** Drops the template (afterAll of a file that used auditDatabase). */
export async function dropAuditTemplate(): Promise<void> {
  if (!template) return;
  const name = await template;
  template = undefined;
  const admin = connect(serverUrl());
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}
