/**
 * `--format pg_dump`: a standard custom-format archive, written by a pg_dump whose major version
 * matches the server's (an older pg_dump refuses a newer server; a newer one writes archives an
 * older pg_restore cannot read). It reads dreamdb's exported snapshot (--snapshot), so the row
 * counts in the manifest are those of the archive exactly.
 */
import { quoteIdent } from '../db/quote.js';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { UsageError, DreamdbError } from '../errors.js';
import { meter, type Measure } from './streams.js';

const execFileAsync = promisify(execFile);

export interface PgDumpBinary {
  path: string;
  /** The --version line, e.g. "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)". */
  version: string;
  major: number;
}

/** Where pg_dump lives on the usual systems, for a server major version. */
export function pgDumpCandidates(major: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const onPath = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((d) => path.join(d, 'pg_dump'));
  return [
    ...(env.DREAMDB_PG_DUMP ? [env.DREAMDB_PG_DUMP] : []),
    `/usr/lib/postgresql/${major}/bin/pg_dump`, // Debian, Ubuntu
    `/usr/pgsql-${major}/bin/pg_dump`, // RHEL, Fedora (PGDG)
    `/opt/homebrew/opt/postgresql@${major}/bin/pg_dump`,
    `/usr/local/opt/postgresql@${major}/bin/pg_dump`,
    ...onPath,
  ];
}

async function probe(file: string): Promise<PgDumpBinary | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    const { stdout } = await execFileAsync(file, ['--version'], { timeout: 10_000 });
    const line = stdout.trim();
    const m = /\(PostgreSQL\)\s+(\d+)/.exec(line);
    return m ? { path: file, version: line, major: Number(m[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/** The first pg_dump of the server's major version, or a clear error naming what was found. */
export async function findPgDump(serverMajor: number, env: NodeJS.ProcessEnv = process.env): Promise<PgDumpBinary> {
  const found: PgDumpBinary[] = [];
  for (const file of [...new Set(pgDumpCandidates(serverMajor, env))]) {
    const bin = await probe(file);
    if (!bin) continue;
    if (bin.major === serverMajor) return bin;
    found.push(bin);
  }
  const seen = found.length ? ` (found: ${found.map((b) => `${b.path} ${b.major}`).join(', ')})` : ' (none found)';
  throw new UsageError(
    `--format pg_dump needs pg_dump ${serverMajor} for this PostgreSQL ${serverMajor} server${seen}.`,
    {
      hint: `Install the PostgreSQL ${serverMajor} client (apt install postgresql-client-${serverMajor}) or set DREAMDB_PG_DUMP to its pg_dump; the default format (dreamdb) needs no pg_dump at all.`,
    },
  );
}

/** pg_dump's selection arguments for dreamdb's include/exclude patterns and the ledgers. */
export function pgDumpSelection(
  include: readonly string[],
  exclude: readonly string[],
  ledgers: readonly string[],
): string[] {
  const args: string[] = [];
  for (const p of include) {
    const [schema, table] = p.split('.') as [string, string];
    args.push(
      ...(table === '*'
        ? ['--schema', quotePattern(schema)]
        : ['--table', `${quotePattern(schema)}.${quotePattern(table)}`]),
    );
  }
  for (const l of ledgers) {
    const [schema, table] = l.split('.') as [string, string];
    args.push('--table', `${quotePattern(schema)}.${quotePattern(table)}`);
  }
  for (const p of exclude) {
    const [schema, table] = p.split('.') as [string, string];
    args.push(
      ...(table === '*'
        ? ['--exclude-schema', quotePattern(schema)]
        : ['--exclude-table', `${quotePattern(schema)}.${quotePattern(table)}`]),
    );
  }
  return args;
}

/** pg_dump patterns: double quotes make a name literal (no wildcards, case kept). */
const quotePattern = quoteIdent;

/**
 * Runs pg_dump -Fc to stdout into `file`, hashing on the way. The password travels in PGPASSWORD,
 * never on the command line (where `ps` would show it).
 */
export async function runPgDump(
  bin: PgDumpBinary,
  url: string,
  args: readonly string[],
  file: string,
): Promise<Measure> {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const child = spawn(bin.path, ['--format=custom', `--dbname=${parsed.toString()}`, ...args], {
    env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}), PGAPPNAME: 'dreamdb backup (pg_dump)' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const m = meter();
  await pipeline(child.stdout, m.stream, createWriteStream(file));
  const code = await exited;
  if (code !== 0) {
    throw new DreamdbError(`pg_dump failed (exit ${code}): ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`, {
      details: stderr.trim().split('\n').slice(-5),
      hint: 'Nothing was written as a backup. The default format (without --format pg_dump) does not depend on pg_dump.',
    });
  }
  return m.measure;
}
