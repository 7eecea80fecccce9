/**
 * The fault matrix: every command × fault a test tries is recorded with whether the guarantees
 * held, printed at the end of each file and appended to .dreamdb/fault-matrix.jsonl for CI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, onTestFinished } from 'vitest';

interface Entry {
  command: string;
  fault: string;
  held: boolean;
}
const entries: Entry[] = [];

/** Call at the start of a test: the cell counts as held only if the test passes. */
export function cell(command: string, fault: string): void {
  const entry: Entry = { command, fault, held: false };
  entries.push(entry);
  onTestFinished((ctx) => {
    entry.held = ctx.task.result?.state === 'pass';
  });
}

afterAll(() => {
  if (!entries.length) return;
  const lines = entries.map((e) => `${e.held ? 'held ' : 'BROKE'}  ${e.command.padEnd(18)} × ${e.fault}`);
  const held = entries.filter((e) => e.held).length;
  process.stderr.write(
    `\nfault matrix (${path.basename(expect.getState().testPath ?? '')}): tried ${entries.length}, held ${held}\n${lines.join('\n')}\n`,
  );
  fs.mkdirSync('.dreamdb', { recursive: true });
  fs.appendFileSync('.dreamdb/fault-matrix.jsonl', entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
});
