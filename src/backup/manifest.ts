/**
 * The manifest: what a backup holds and how to check it. Written last, inside the temporary
 * directory, just before the rename: a directory without a valid manifest is never a backup.
 */
import { formatZodIssues } from '../config/values.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DreamdbError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const FORMAT = 'dreamdb-backup';
export const FORMAT_VERSION = 1;

const tableEntry = z.strictObject({
  schema: z.string(),
  name: z.string(),
  /** A leaf partition's parent (schema.table), else null. Parents themselves hold no rows and have no file. */
  parent: z.string().nullable(),
  /** pg_get_expr(relpartbound) of a partition, e.g. FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'). */
  bound: z.string().nullable(),
  /** data: restored; ledger: read to know the schema version, never loaded (migrate rewrites it). */
  role: z.enum(['data', 'ledger']),
  /** Columns in the file, in order (generated columns are left out: Postgres recomputes them). */
  columns: z.array(z.string()),
  rows: z.number().int().nonnegative(),
  file: z.string().regex(/^data\/[A-Za-z0-9_.$-]+$/),
  /** Bytes on disk and their sha256: checked by `backup verify` without any key. */
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The COPY text itself (before compression and encryption): compared with the restored table. */
  contentBytes: z.number().int().nonnegative(),
  contentSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const kdf = z.union([
  z.strictObject({ type: z.literal('raw') }),
  z.strictObject({
    type: z.literal('scrypt'),
    salt: z.string(),
    N: z.number().int(),
    r: z.number().int(),
    p: z.number().int(),
  }),
]);

export const manifestSchema = z.strictObject({
  format: z.literal(FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  id: z.string().uuid(),
  kind: z.enum(['dreamdb', 'pg_dump']),
  createdAt: z.string(),
  durationMs: z.number().nonnegative(),
  tool: z.strictObject({ name: z.literal('dreamdb'), version: z.string() }),
  source: z.strictObject({
    database: z.string(),
    serverVersion: z.string(),
    serverVersionNum: z.number().int(),
    supabase: z.boolean(),
  }),
  /** The newest fully applied migration: restore migrates the target to exactly this version. */
  schemaVersion: z.string().nullable(),
  migrations: z.array(z.strictObject({ version: z.string(), name: z.string(), checksum: z.string().nullable() })),
  copyFormat: z.literal('text'),
  compression: z.enum(['gzip', 'none']),
  encryption: z
    .strictObject({ algorithm: z.literal('aes-256-gcm'), kdf, keyCheck: z.string().regex(/^[0-9a-f]{32}$/) })
    .nullable(),
  tables: z.array(tableEntry),
  sequences: z.array(z.strictObject({ schema: z.string(), name: z.string(), lastValue: z.string().nullable() })),
  /** Indexes, constraints, RLS, policies, grants, triggers and publications of the tables (structure.ts); absent in older backups. */
  structure: z.array(z.string()).optional(),
  /** --format pg_dump: the archive file and how it was made. */
  archive: z
    .strictObject({
      file: z.string().regex(/^[A-Za-z0-9_.-]+$/),
      bytes: z.number().int(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      /** The pg_dump that wrote it (its --version line) and the arguments it ran with (no secrets). */
      pgDump: z.string(),
      args: z.array(z.string()),
      /** Row counts in the snapshot pg_dump read. */
      tables: z.array(z.strictObject({ schema: z.string(), name: z.string(), rows: z.number().int() })),
    })
    .nullable(),
  totals: z.strictObject({
    tables: z.number().int(),
    rows: z.number().int(),
    bytes: z.number().int(),
    contentBytes: z.number().int(),
  }),
  /** HMAC-SHA256 of the manifest without this field, when encrypted. */
  mac: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});

export type Manifest = z.output<typeof manifestSchema>;
export type TableEntry = z.output<typeof tableEntry>;

/** A stable serialisation (keys sorted) of everything but the MAC: what the MAC signs. */
export function canonical(manifest: Manifest): string {
  const { mac: _mac, ...rest } = manifest;
  return JSON.stringify(sortKeys(rest));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export class IncompleteBackupError extends DreamdbError {
  constructor(dir: string, why: string) {
    super(`${dir} is not a complete backup: ${why}.`, {
      hint: 'A backup is complete only once its manifest.json is written and the directory renamed from its .partial name; take a new backup or use another one.',
    });
    this.name = 'IncompleteBackupError';
  }
}

export async function readManifest(dir: string): Promise<Manifest> {
  const shown = dir;
  if (/\.partial(-\d+)?$/.test(path.basename(path.resolve(dir)))) {
    throw new IncompleteBackupError(
      shown,
      'it still has its temporary .partial name (the run that wrote it was interrupted)',
    );
  }
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      try {
        await fs.access(dir);
      } catch {
        throw new DreamdbError(`No backup at ${shown}: the directory does not exist.`, {
          exitCode: 2,
          hint: 'Give the directory `dreamdb backup` printed (under backups/ by default).',
        });
      }
      throw new IncompleteBackupError(shown, 'it has no manifest.json');
    }
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new IncompleteBackupError(shown, 'its manifest.json is not valid JSON (truncated or damaged)');
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error.issues);
    throw new DreamdbError(
      `${shown}/manifest.json is not a dreamdb backup manifest this version can read: ${problems.slice(0, 3).join('; ')}`,
      {
        details: problems,
        hint: 'Use the dreamdb version that wrote it, or another backup.',
      },
    );
  }
  return parsed.data;
}

/** Writes the manifest and flushes it to disk. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  const handle = await fs.open(file, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// Counted in scope.ts (no zod), so the command can render a result without loading the schema.
export { describeTables, tableCounts, type TableCounts } from './scope.js';
