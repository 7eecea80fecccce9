/**
 * The baseline of `--compare baseline`: the seed draft's schema (fixtures/bench/draft-schema.sql)
 * in a second database on the same server, holding the same rows as the bench database.
 *
 * Rows are streamed table by table (COPY TO STDOUT → COPY FROM STDIN) over the columns both
 * schemas have. The draft's narrower types (DECIMAL(5,2) rates, ...) round what they store, so
 * "identical data" is checked as: the same row count and the same md5 of every row with each
 * column cast to the draft's type, on both sides (`compareData`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { connect, type Sql } from '../db/connect.js';
import { DreamdbError } from '../errors.js';
import { defaultMigrateSettings, runMigrations } from '../migrate/engine.js';
import { createDatabase, dropDatabase } from '../db/databases.js';
import { quoteIdent } from '../db/quote.js';
import { packageRoot } from '../paths.js';

export const DRAFT_SCHEMA_FILE = path.join(packageRoot, 'fixtures', 'bench', 'draft-schema.sql');

/** The tables the app reads and writes, in foreign-key order. */
export const COPIED_TABLES = [
  'artists',
  'platform_connections',
  'metrics',
  'insights',
  'tasks',
  'achievements',
  'content',
  'notifications',
] as const;

export interface CopiedTable {
  table: string;
  rows: number;
  /** Columns of the shipped table the draft does not have (not copied). */
  dropped: string[];
}

/** Drops the baseline database (its connections are ended). */
export async function dropDraftDatabase(adminSql: Sql, name: string): Promise<void> {
  await dropDatabase(adminSql, name, { force: true });
}

/** Creates `name` (dropping an older one), installs the Supabase-compatible base and the draft. */
export async function createDraftDatabase(adminSql: Sql, url: string, name: string): Promise<void> {
  await dropDatabase(adminSql, name, { force: true });
  try {
    await createDatabase(adminSql, name);
  } catch (error) {
    throw new DreamdbError(`Cannot create the baseline database ${name}: ${(error as Error).message}`, {
      hint: '--compare baseline needs a role that may CREATE DATABASE on the target server (the embedded server and test servers do).',
      cause: error,
    });
  }
  // The base only: an empty migrations directory. With the broad Data API grants the draft was
  // written for (it grants nothing itself; since 2026-10-30 Supabase would expose none of it).
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-bench-nomigrations-'));
  try {
    await runMigrations(url, { settings: { ...defaultMigrateSettings, dir: empty, autoExposeNewTables: true } });
  } finally {
    await fs.rm(empty, { recursive: true, force: true });
  }
  const text = await fs.readFile(DRAFT_SCHEMA_FILE, 'utf8');
  const sql = connect(url, { max: 1, connection: { application_name: 'dreamdb bench' } });
  try {
    // One simple-protocol query: one implicit transaction, like a migration file.
    await sql.begin((tx) => tx.unsafe(text));
  } catch (error) {
    throw new DreamdbError(`fixtures/bench/draft-schema.sql does not load: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function columnsOf(sql: Sql, table: string): Promise<{ name: string; type: string }[]> {
  return sql<{ name: string; type: string }[]>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a
    where a.attrelid = ${`public.${table}`}::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum`;
}

/** The columns both have, with the draft's types. */
async function sharedColumns(
  source: Sql,
  draft: Sql,
  table: string,
): Promise<{ shared: { name: string; type: string }[]; dropped: string[] }> {
  const ours = await columnsOf(source, table);
  const theirs = new Map((await columnsOf(draft, table)).map((c) => [c.name, c.type]));
  return {
    shared: ours.filter((c) => theirs.has(c.name)).map((c) => ({ name: c.name, type: theirs.get(c.name)! })),
    dropped: ours.filter((c) => !theirs.has(c.name)).map((c) => c.name),
  };
}

/** Streams every row of the shipped tables into the draft's tables, then ANALYZE. */
export async function copyData(
  sourceUrl: string,
  source: Sql,
  draft: Sql,
  onTable?: (table: string) => void,
): Promise<CopiedTable[]> {
  const out: CopiedTable[] = [];
  for (const table of COPIED_TABLES) {
    onTable?.(table);
    const { shared, dropped } = await sharedColumns(source, draft, table);
    const cols = shared.map((c) => c.name);
    // A connection of its own per COPY TO: postgres.js leaves a connection that served a
    // `copy ... to stdout` readable unable to answer the next query (seen with 3.4.x).
    const tag = `dreamdb bench copy ${randomBytes(4).toString('hex')}`;
    const reader = connect(sourceUrl, { max: 1, connection: { application_name: tag } });
    let from: Readable | undefined;
    try {
      from =
        (await reader`copy (select ${reader(cols)} from ${reader(`public.${table}`)}) to stdout`.readable()) as Readable;
      const to = (await draft`copy ${draft(`public.${table}`)} (${draft(cols)}) from stdin`.writable()) as Writable;
      await pipeline(from, to);
    } catch (error) {
      // The source backend is blocked writing to a stream nobody reads any more (and would block
      // dropping the baseline database): end it from the server side.
      from?.destroy();
      await source`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${tag} and pid <> pg_backend_pid()`;
      throw new DreamdbError(
        `Copying ${table} into the draft's schema failed: ${(error as Error).message}${(error as { where?: string }).where ? ` (${(error as { where?: string }).where})` : ''}`,
        {
          hint: "A value the draft's column type cannot hold; see fixtures/bench/draft-schema.sql.",
          cause: error,
        },
      );
    } finally {
      await reader.end({ timeout: 1 });
    }
    const [n] = await draft<{ n: number }[]>`select count(*)::int as n from ${draft(`public.${table}`)}`;
    out.push({ table, rows: n!.n, dropped });
  }
  await draft`analyze`;
  return out;
}

export interface TableFingerprint {
  table: string;
  rows: number;
  md5: string;
}

/** Row count and md5 of every row (id order, each column cast to the draft's type). */
export async function fingerprints(
  sql: Sql,
  columns: Map<string, { name: string; type: string }[]>,
): Promise<TableFingerprint[]> {
  const out: TableFingerprint[] = [];
  for (const table of COPIED_TABLES) {
    const cols = columns.get(table)!;
    const expr = cols.map((c) => `(${quoteIdent(c.name)})::${c.type}`).join(', ');
    const [row] = await sql.unsafe<{ n: number; md5: string }[]>(
      `select count(*)::int as n, md5(coalesce(string_agg(r::text, E'\\n' order by r.id), '')) as md5
       from (select ${expr} from public.${quoteIdent(table)}) as r`,
    );
    out.push({ table, rows: row!.n, md5: row!.md5 });
  }
  return out;
}

/** Both databases' fingerprints over the shared columns at the draft's types. */
export async function compareData(
  source: Sql,
  draft: Sql,
): Promise<{ shipped: TableFingerprint[]; draft: TableFingerprint[]; identical: boolean }> {
  const columns = new Map<string, { name: string; type: string }[]>();
  for (const table of COPIED_TABLES) columns.set(table, (await sharedColumns(source, draft, table)).shared);
  const a = await fingerprints(source, columns);
  const b = await fingerprints(draft, columns);
  return { shipped: a, draft: b, identical: a.every((x, i) => x.rows === b[i]!.rows && x.md5 === b[i]!.md5) };
}
