/**
 * Reading a backup back: the key and the manifest's MAC, each file against its size and sha256,
 * and a table's COPY text streamed out of its file (decrypted and decompressed). Used by
 * `backup verify` and by restore, which verifies everything before it touches the target.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DreamdbError } from '../errors.js';
import { backupKeysFor, decryptStream, HEADER_BYTES, macMatches, readEnvelope, type BackupKeys } from './crypto.js';
import { canonical, readManifest, type Manifest, type TableEntry } from './manifest.js';
import { meter, type Measure } from './streams.js';

export interface OpenedBackup {
  dir: string;
  manifest: Manifest;
  /** Present when the backup is encrypted and the key was given (and is right). */
  keys: BackupKeys | undefined;
}

/**
 * Reads the manifest; for an encrypted backup, derives the key from the environment, refuses a
 * wrong one and checks the manifest's MAC. `requireKey: false` lets `backup verify` check file
 * checksums of an encrypted backup without the key.
 */
export async function openBackup(
  dir: string,
  options: { env: NodeJS.ProcessEnv; keyEnv: string; requireKey?: boolean },
): Promise<OpenedBackup> {
  const manifest = await readManifest(dir);
  if (!manifest.encryption) return { dir, manifest, keys: undefined };
  if (options.requireKey === false && !options.env[options.keyEnv]) return { dir, manifest, keys: undefined };
  const keys = backupKeysFor(options.env, options.keyEnv, manifest.id, manifest.encryption);
  if (!manifest.mac || !macMatches(keys, canonical(manifest), manifest.mac)) {
    throw new DreamdbError(`${dir}/manifest.json failed authentication: it was edited after the backup was made.`, {
      hint: 'Do not restore this backup; take the previous good one.',
    });
  }
  return { dir, manifest, keys };
}

export interface FileProblem {
  file: string;
  table: string;
  problem: string;
}

/** Every file of the backup against the manifest's size and sha256 (no key needed). */
export async function checkFiles(backup: OpenedBackup, onFile?: (file: string) => void): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  const files = backup.manifest.archive
    ? [
        {
          file: backup.manifest.archive.file,
          table: '(pg_dump archive)',
          bytes: backup.manifest.archive.bytes,
          sha256: backup.manifest.archive.sha256,
        },
      ]
    : backup.manifest.tables.map((t) => ({
        file: t.file,
        table: `${t.schema}.${t.name}`,
        bytes: t.bytes,
        sha256: t.sha256,
      }));
  for (const f of files) {
    onFile?.(f.file);
    const full = path.join(backup.dir, f.file);
    let size: number;
    try {
      size = (await fs.stat(full)).size;
    } catch {
      problems.push({ file: f.file, table: f.table, problem: 'missing' });
      continue;
    }
    if (size !== f.bytes) {
      problems.push({
        file: f.file,
        table: f.table,
        problem: `${size} bytes, the manifest says ${f.bytes} (${size < f.bytes ? 'truncated' : 'grown'})`,
      });
      continue;
    }
    const hash = createHash('sha256');
    await pipeline(createReadStream(full), new Writable({ write: (c: Buffer, _e, cb) => (hash.update(c), cb()) }));
    const sum = hash.digest('hex');
    if (sum !== f.sha256)
      problems.push({
        file: f.file,
        table: f.table,
        problem: `sha256 ${sum.slice(0, 12)}…, the manifest says ${f.sha256.slice(0, 12)}… (damaged or altered)`,
      });
  }
  return problems;
}

/** The table's COPY text, decrypted and decompressed, with a meter on it (unless measure: false). */
export async function tableContent(
  backup: OpenedBackup,
  entry: TableEntry,
  options: { measure?: boolean } = {},
): Promise<{ streams: [Readable, ...Transform[]]; measure: Measure }> {
  const full = path.join(backup.dir, entry.file);
  const shown = entry.file;
  const steps: Transform[] = [];
  let source: Readable;
  if (backup.manifest.encryption) {
    if (!backup.keys) throw new DreamdbError('This backup is encrypted and no key was given.');
    const envelope = await readEnvelope(full, shown);
    source = createReadStream(full, {
      start: HEADER_BYTES,
      end: envelope.size - envelope.tag.length - 1,
      highWaterMark: 256 * 1024,
    });
    steps.push(decryptStream(backup.keys, backup.manifest.id, entry.file, envelope, shown));
  } else {
    source = createReadStream(full, { highWaterMark: 256 * 1024 });
  }
  if (backup.manifest.compression === 'gzip') steps.push(createGunzip({ chunkSize: 256 * 1024 }));
  const m = meter();
  if (options.measure !== false) steps.push(m.stream);
  return { streams: [source, ...steps], measure: m.measure };
}

/**
 * Why reading a table's file failed. For an encrypted file the authentication tag is checked
 * first: a tampered file usually trips the decompressor before the tag is reached, and "failed
 * authentication" is the truth to report.
 */
export async function whyUnreadable(backup: OpenedBackup, entry: TableEntry, error: unknown): Promise<unknown> {
  if (
    backup.manifest.encryption &&
    backup.keys &&
    !(error instanceof DreamdbError && /failed authentication/.test(error.message))
  ) {
    const full = path.join(backup.dir, entry.file);
    try {
      const envelope = await readEnvelope(full, entry.file);
      await pipeline([
        createReadStream(full, { start: HEADER_BYTES, end: envelope.size - envelope.tag.length - 1 }),
        decryptStream(backup.keys, backup.manifest.id, entry.file, envelope, entry.file),
        new Writable({ write: (_c, _e, cb) => cb() }),
      ]);
    } catch (authError) {
      return authError;
    }
  }
  return damaged(entry, error);
}

/** Turns a decompression failure into a line a person can act on. */
export function damaged(entry: TableEntry, error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (
    e?.code?.startsWith('Z_') ||
    /unexpected end of file|incorrect header check|invalid .* distance|invalid block type/i.test(e?.message ?? '')
  ) {
    return new DreamdbError(`Backup file ${entry.file} (${entry.schema}.${entry.name}) is damaged: ${e.message}.`, {
      hint: 'Do not restore this backup; take the previous good one.',
      cause: error,
    });
  }
  return error;
}

/** Decrypts and decompresses every table and compares rows and content checksum with the manifest. */
export async function checkContents(backup: OpenedBackup, onFile?: (file: string) => void): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  for (const entry of backup.manifest.tables) {
    onFile?.(entry.file);
    const table = `${entry.schema}.${entry.name}`;
    try {
      const { streams, measure } = await tableContent(backup, entry);
      await pipeline([...streams, new Writable({ write: (_c, _e, cb) => cb() })]);
      if (measure.lines !== entry.rows)
        problems.push({ file: entry.file, table, problem: `${measure.lines} rows, the manifest says ${entry.rows}` });
      else if (measure.sha256() !== entry.contentSha256)
        problems.push({ file: entry.file, table, problem: 'content checksum differs from the manifest' });
    } catch (error) {
      const e = await whyUnreadable(backup, entry, error);
      problems.push({ file: entry.file, table, problem: e instanceof Error ? e.message : String(e) });
    }
  }
  return problems;
}
