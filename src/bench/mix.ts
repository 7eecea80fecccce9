/** The request mix: a readable JSON file (fixtures/bench/mix.json), validated once. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';

export const DEFAULT_MIX = path.join(packageRoot, 'fixtures', 'bench', 'mix.json');

/** Values the harness supplies per request: the session's artist, a platform, ids the artist owns. */
export const PARAMS = ['artist_id', 'platform', 'notification_id', 'task_id'] as const;
export type Param = (typeof PARAMS)[number];

const requestSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower_snake_case'),
  title: z.string().min(1),
  weight: z.number().positive(),
  /** GET-like: the transaction runs READ ONLY. */
  readOnly: z.boolean(),
  /** rows: the body is json_agg of the rows (as PostgREST builds it); value: the single value; none: return=minimal. */
  response: z.enum(['rows', 'value', 'none']),
  params: z.array(z.enum(PARAMS)).default([]),
  sql: z.string().min(1),
  baseline: z
    .strictObject({
      /** The request as the draft's client would send it, when it differs. */
      sql: z.string().min(1).optional(),
      /** Used for the draft in the mixed run when the request as written fails (reported both ways). */
      repairedSql: z.string().min(1).optional(),
      note: z.string().optional(),
    })
    .optional(),
});

export const mixSchema = z.strictObject({
  description: z.string().optional(),
  usage: z.strictObject({
    description: z.string().optional(),
    opensPerDay: z.number().positive(),
    requestsPerOpen: z.number().positive(),
    daysPerMonth: z.number().positive().default(30),
    headerBytesPerResponse: z.number().min(0).default(0),
    targetMonthlyBytes: z
      .number()
      .positive()
      .default(10 * 1024 * 1024),
  }),
  requests: z.array(requestSchema).min(1),
});

export type Mix = z.infer<typeof mixSchema>;
export type MixRequest = Mix['requests'][number];

export async function loadMix(file: string = DEFAULT_MIX, cwd = process.cwd()): Promise<{ mix: Mix; path: string }> {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = await fs.readFile(full, 'utf8');
  } catch {
    throw new UsageError(`Cannot read the mix file ${file}.`, {
      hint: 'Pass --mix <file>, e.g. a copy of fixtures/bench/mix.json.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return { mix: parseMix(json, file), path: full };
}

export function parseMix(json: unknown, label = 'mix'): Mix {
  const parsed = mixSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${label}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new UsageError(problems.join('\n'), { hint: 'See fixtures/bench/mix.json for the format.' });
  }
  const names = new Set<string>();
  for (const r of parsed.data.requests) {
    if (names.has(r.name)) throw new UsageError(`${label}: requests: "${r.name}" appears twice.`);
    names.add(r.name);
  }
  return parsed.data;
}

/** Picks request indexes by weight from a uniform number in [0, 1). */
export function weightedPicker(mix: Mix): (u: number) => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const r of mix.requests) cumulative.push((total += r.weight));
  return (u) => {
    const x = u * total;
    const i = cumulative.findIndex((c) => x < c);
    return i < 0 ? cumulative.length - 1 : i;
  };
}

/** The statement PostgREST would send for the request: the body built in the database. */
export function wrapBody(request: MixRequest, sqlText: string): string {
  if (request.response === 'rows')
    return `select coalesce(json_agg(_pgrst_t), '[]')::text as body from (${sqlText}) as _pgrst_t`;
  if (request.response === 'value') return `select (${sqlText})::text as body`;
  return sqlText;
}
