/** Entry points: lint what a target has pending (catalog knowledge), or files on their own (history from earlier files). */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../db/connect.js';
import { DreamdbError, ExitCode, UsageError } from '../errors.js';
import { loadMigrationFiles, MIGRATION_NAME, NO_TRANSACTION } from '../migrate/files.js';
import { compareVersions } from '../plan/migrations.js';
import { schemaFromCatalog } from './catalog.js';
import { lintFiles, schemaFromFiles } from './lint.js';
import type { LintFile, LintReport } from './model.js';
import { RULE_IDS } from './rules/index.js';

export interface LintRunOptions {
  allow?: readonly string[];
}

export function checkAllow(allow: readonly string[] = []): void {
  const unknown = allow.filter((a) => !RULE_IDS.has(a));
  if (unknown.length)
    throw new UsageError(`--allow names no known rule: ${unknown.join(', ')}.`, {
      hint: '`dreamdb migration lint --rules` lists the rule ids.',
    });
}

/** The pending files of a run, against what the target's catalog says exists and is used. */
export async function lintPending(
  sql: Sql,
  pending: readonly LintFile[],
  options: LintRunOptions = {},
): Promise<LintReport> {
  checkAllow(options.allow);
  const schema = await schemaFromCatalog(sql);
  return lintFiles(pending, { schema, knowledge: 'catalog', mode: 'run', allow: options.allow });
}

/**
 * Files without a database: each is judged as the next deploy after every earlier file of the
 * migrations directory, so what those created exists and may hold rows.
 */
export async function lintOffline(
  dir: string,
  cwd: string,
  paths: readonly string[],
  options: LintRunOptions = {},
): Promise<LintReport> {
  checkAllow(options.allow);
  const { files: all } = await loadMigrationFiles(dir, cwd);
  const chosen = paths.length ? await readFiles(paths, cwd) : all;
  const chosenPaths = new Set(chosen.map((f) => path.resolve(cwd, f.path)));
  const first = chosen
    .map((f) => versionOf(f.path))
    .filter((v): v is string => Boolean(v))
    .sort(compareVersions)[0];
  const earlier = paths.length
    ? all.filter(
        (f) =>
          !chosenPaths.has(path.resolve(cwd, f.path)) && (first === undefined || compareVersions(f.version, first) < 0),
      )
    : [];
  const schema = await schemaFromFiles(earlier);
  return lintFiles(chosen, { schema, knowledge: 'files', mode: 'deploys', allow: options.allow });
}

export async function readFiles(paths: readonly string[], cwd: string): Promise<LintFile[]> {
  const files: LintFile[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = await fs.readFile(path.resolve(cwd, p), 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read ${p}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    files.push({
      path: path.relative(cwd, path.resolve(cwd, p)) || p,
      text,
      noTransaction: NO_TRANSACTION.test(text.replace(/^\uFEFF/, '')),
    });
  }
  return files.sort((a, b) => compareVersions(versionOf(a.path) ?? '0', versionOf(b.path) ?? '0'));
}

function versionOf(file: string): string | undefined {
  return MIGRATION_NAME.exec(path.basename(file))?.[1];
}

/** migrate refuses files with error-level findings (exit 3) unless each rule is --allow'ed. */
export class LintRefusedError extends DreamdbError {
  constructor(report: LintReport) {
    const errors = report.findings.filter((f) => f.level === 'error');
    super(
      `Refusing to migrate: ${errors.length} error-level lint finding${errors.length === 1 ? '' : 's'} in the pending files.`,
      {
        exitCode: ExitCode.checkFailed,
        details: errors.map((f) => `${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message}`),
        hint: `Fix the file (\`dreamdb migration lint\` shows why and the safe alternative), suppress one statement with \`-- dreamdb:allow <rule> <reason>\`, or accept a rule for this run with ${[...new Set(errors.map((f) => `--allow ${f.rule}`))].join(' ')}.`,
      },
    );
    this.name = 'LintRefusedError';
  }
}
