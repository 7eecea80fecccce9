/**
 * Archiving a retired partition: its rows as CSV (with a header) in a file, written under a
 * temporary name, flushed to disk and renamed, so a file with the final name is always complete
 * and a killed run simply writes it again.
 */
import fs from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../db/connect.js';
import { fileSystemError } from '../errors.js';

export interface ArchiveResult {
  file: string;
  rows: number;
  bytes: number;
}

export async function archiveTable(sql: Sql, schema: string, table: string, file: string): Promise<ArchiveResult> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const [count] = await sql<{ n: string }[]>`select count(*)::text as n from ${sql(schema)}.${sql(table)}`;
  try {
    const stream = await sql`copy ${sql(schema)}.${sql(table)} to stdout with (format csv, header true)`.readable();
    await pipeline(stream, createWriteStream(partial, { mode: 0o600 }));
    const handle = await fs.open(partial, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(partial, file);
  } catch (error) {
    // A full disk must not leave the partial file filling it; the partition is kept (not dropped).
    await fs.rm(partial, { force: true }).catch(() => {});
    throw fileSystemError(error, partial) ?? error;
  }
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } catch {
    // Some filesystems cannot fsync a directory; the rename is still atomic.
  } finally {
    await dir.close();
  }
  const { size } = await fs.stat(file);
  return { file, rows: Number(count?.n ?? 0), bytes: size };
}
