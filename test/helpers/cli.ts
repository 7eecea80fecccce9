/**
 * Runs the CLI as a user does, in a child process: the run's compiled build of src/ (global-setup.ts
 * compiles it every run, so never a stale build), started by plain node as bin/dreamdb.js starts
 * dist/cli.js.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect, inject } from 'vitest';

/** The shipped entry (bin/dreamdb.js), for the tests of the entry itself. */
export const BIN = path.resolve('bin/dreamdb.js');
const ENTRY = path.resolve('test/helpers/cli-entry.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function startCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited.DREAMDB_FROM_SOURCE;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    DREAMDB_TEST_BUILD: inject('cliBuild'),
    NO_COLOR: '1',
    CI: 'true',
    ...options.env,
  };
  for (const key of ['DATABASE_URL', 'SUPABASE_DB_URL', 'DREAMDB_BACKUP_KEY'])
    if (!options.env || !(key in options.env)) delete env[key];
  const child = spawn(process.execPath, [ENTRY, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })),
  );
  return { child, done };
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** One line of error (hints aside) matching `text`, exit `code`, never a stack or an internal error. */
export function expectOneLine(result: CliResult, code: number, text: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  const errors = result.stderr.split('\n').filter((l) => /^error:/.test(l));
  expect(errors, result.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(text);
  expect(result.stderr).not.toMatch(/\n\s+at |internal error|TypeError/);
}
