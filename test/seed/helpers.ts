/** A Context for library calls in tests: output captured, never interactive. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createContext, type Context } from '../../src/context.js';
import type { Sql } from '../../src/db/connect.js';
import { createOutput } from '../../src/ui/output.js';

export interface TestContext {
  ctx: Context;
  output: () => string;
}

export async function testContext(
  url: string,
  options: { cwd?: string; yes?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<TestContext> {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const out = createOutput({ interactive: false, stdout: sink, stderr: sink });
  const ctx = await createContext(
    { db: url, yes: options.yes },
    { cwd: options.cwd ?? process.cwd(), env: options.env ?? {}, out },
  );
  return { ctx, output: () => text };
}

/** A project directory with a copy of the shipped fixtures (tests edit them freely). */
export async function projectWithFixtures(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-seed-'));
  await fs.cp(path.resolve('fixtures/seed'), path.join(dir, 'fixtures/seed'), { recursive: true });
  return dir;
}

export const SEEDED = [
  'artists',
  'platform_connections',
  'metrics',
  'insights',
  'tasks',
  'achievements',
  'content',
  'notifications',
] as const;

/** md5 of every row of each seeded table, in id order: equal data gives equal checksums. */
export async function checksums(sql: Sql): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of SEEDED) {
    // updated_at and version are stamped by the server on every write (offline sync): the data
    // is the rest.
    const [row] = await sql<
      { sum: string }[]
    >`select md5(coalesce(string_agg((to_jsonb(x) - 'updated_at' - 'version')::text, E'\n' order by x.id), '')) as sum from ${sql(`public.${table}`)} x`;
    out[table] = row!.sum;
  }
  return out;
}

export async function counts(sql: Sql): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [...SEEDED.map((t) => `public.${t}`), 'auth.users']) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)}`;
    out[table.replace(/^public\./, '')] = row!.n;
  }
  return out;
}
