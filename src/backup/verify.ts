/**
 * `backup verify` as a library: a backup checked against its manifest without restoring it: the
 * sha256 of every file, then (unless quick, and when it can be read) every table's contents
 * decrypted, decompressed and read back with the recorded checksums.
 */
import { tableCounts, type Manifest, type TableCounts } from './manifest.js';
import { checkContents, checkFiles, openBackup, type FileProblem } from './read.js';
import { structureProblems } from './structure.js';

export interface VerifyResult {
  dir: string;
  ok: boolean;
  backupId: string;
  kind: Manifest['kind'];
  createdAt: string;
  schemaVersion: string | null;
  /** What the backup holds, counted as `dreamdb backup` counts it. */
  tables: TableCounts;
  files: number;
  /** Rows of the data tables (the ledgers' not counted). */
  rows: number;
  /** 'full': files and their decrypted, decompressed contents; 'files': sha256 of the files only. */
  depth: 'full' | 'files';
  encrypted: boolean;
  problems: FileProblem[];
  notes: string[];
}

export interface VerifyOptions {
  env: NodeJS.ProcessEnv;
  /** The environment variable holding the key of an encrypted backup. */
  keyEnv: string;
  /** Only the sha256 of each file. */
  quick?: boolean;
  /** A short line of what is being checked now. */
  onProgress?: (text: string) => void;
}

/** dir: the backup directory, absolute. */
export async function verifyBackup(dir: string, options: VerifyOptions): Promise<VerifyResult> {
  const say = options.onProgress ?? (() => {});
  const opened = await openBackup(dir, { env: options.env, keyEnv: options.keyEnv, requireKey: false });
  const { manifest } = opened;
  const notes: string[] = [];
  const canRead = !manifest.encryption || Boolean(opened.keys);
  const problems = await checkFiles(opened, (f) => say(`sha256 ${f}`));
  if (manifest.encryption && !opened.keys)
    notes.push(
      `encrypted and ${options.keyEnv} is not set: file checksums checked, contents and the manifest's authenticity not`,
    );
  if (!problems.length && !options.quick && canRead && manifest.kind === 'dreamdb')
    problems.push(...(await checkContents(opened, (f) => say(`reading ${f}`))));
  if (!manifest.structure)
    notes.push(
      'taken by an older dreamdb: indexes, constraints, policies, grants and triggers are not recorded, so a restore checks rows only',
    );
  for (const line of structureProblems(manifest.structure ?? []))
    problems.push({
      file: 'manifest.json',
      table: line.split(' ')[0]!,
      problem: `the source's structure was broken when it was taken: ${line.slice(0, 160)}`,
    });
  return {
    dir,
    ok: problems.length === 0,
    backupId: manifest.id,
    kind: manifest.kind,
    createdAt: manifest.createdAt,
    schemaVersion: manifest.schemaVersion,
    tables: tableCounts(manifest),
    files: manifest.archive ? 1 : manifest.tables.length,
    rows: manifest.totals.rows,
    depth: !options.quick && canRead && manifest.kind === 'dreamdb' ? 'full' : 'files',
    encrypted: Boolean(manifest.encryption),
    problems,
    notes,
  };
}
