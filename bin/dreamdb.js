#!/usr/bin/env node
// Entry only: run the compiled CLI, or the TypeScript sources when dist/ was not built
// (or DREAMDB_FROM_SOURCE is set, as the tests do so they never run a stale build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let cli;
if (existsSync(compiled) && !process.env.DREAMDB_FROM_SOURCE) {
  cli = await import(compiled);
} else {
  const { tsImport } = await import('tsx/esm/api');
  cli = await tsImport('../src/cli.ts', import.meta.url);
}
const code = await cli.main(process.argv.slice(2));
process.exit(code);
