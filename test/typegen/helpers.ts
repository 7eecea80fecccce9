/** Shared by the typegen tests: generating with the defaults, and compiling with the real tsc. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Sql } from '../../src/db/connect.js';
import { generateTypes, type GenerateOptions, type Generated } from '../../src/typegen/generate.js';
import type { SchemaTypes, RelationTypes } from '../../src/typegen/model.js';

export const DEFAULTS: GenerateOptions = {
  schemas: ['public'],
  clientRole: 'authenticated',
  serverRole: 'service_role',
  postgrestVersion: '12',
  jsonTypes: {},
  version: '0.0.0-test',
};

export function generate(sql: Sql, options: Partial<GenerateOptions> = {}): Promise<Generated> {
  return generateTypes(sql, { ...DEFAULTS, ...options });
}

export function table(schemas: SchemaTypes[], name: string, schema = 'public'): RelationTypes | undefined {
  const s = schemas.find((x) => x.name === schema);
  return s?.tables.find((t) => t.name === name) ?? s?.views.find((t) => t.name === name);
}

export const names = (fields: Array<{ name: string }> | null | undefined): string[] =>
  (fields ?? []).map((f) => f.name).sort();

const TSC = path.resolve('node_modules/.bin/tsc');
const SUPABASE = path.resolve('node_modules/@supabase/supabase-js');

export interface Compiled {
  code: number;
  output: string;
}

/**
 * Writes files into a new temporary directory and compiles them with the project's TypeScript
 * (`tsc --noEmit`, strict, the app's kind of settings); @supabase/supabase-js resolves to the
 * installed package. The directory is removed afterwards.
 */
export async function compile(files: Record<string, string>, options: Record<string, unknown> = {}): Promise<Compiled> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-typegen-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'bundler',
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      types: [],
      paths: { '@supabase/supabase-js': [SUPABASE] },
      ...options,
    },
    files: Object.keys(files),
  };
  await fs.writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const result = await new Promise<Compiled>((resolve) => {
    execFile(
      TSC,
      ['-p', path.join(dir, 'tsconfig.json'), '--pretty', 'false'],
      { cwd: dir, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
  await fs.rm(dir, { recursive: true, force: true });
  return result;
}
