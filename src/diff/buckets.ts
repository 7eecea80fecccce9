/**
 * Storage buckets are rows in storage.buckets, not schema objects, so no schema diff engine sees
 * them; the app declares them in SQL (a migration inserts them), so a diff must carry them.
 * Only the columns a migration declares are compared (not timestamps or owners).
 */
import type { Sql } from '../db/connect.js';
import type { DiffStatement } from './statement.js';
import { quoteLiteral } from '../db/quote.js';

export interface BucketRow {
  id: string;
  name: string;
  public: boolean;
  file_size_limit: string | null;
  allowed_mime_types: string[] | null;
}

const COLUMNS = ['name', 'public', 'file_size_limit', 'allowed_mime_types'] as const;

export async function readBuckets(sql: Sql): Promise<BucketRow[] | undefined> {
  const [exists] = await sql<{ ok: boolean }[]>`select to_regclass('storage.buckets') is not null as ok`;
  if (!exists?.ok) return undefined;
  return sql<BucketRow[]>`
    select id, name, coalesce(public, false) as public, file_size_limit::text as file_size_limit, allowed_mime_types
    from storage.buckets order by id`;
}

/** Statements that turn `from`'s bucket rows into `to`'s. Pure. */
export function planBuckets(from: BucketRow[] | undefined, to: BucketRow[] | undefined): DiffStatement[] {
  if (!from || !to) return [];
  const before = new Map(from.map((b) => [b.id, b]));
  const after = new Map(to.map((b) => [b.id, b]));
  const out: DiffStatement[] = [];
  for (const b of to) {
    const old = before.get(b.id);
    const object = `bucket:${b.id}`;
    if (!old) {
      out.push({
        sql: `INSERT INTO storage.buckets (id, ${COLUMNS.join(', ')}) VALUES (${[literal(b.id), ...COLUMNS.map((c) => literal(b[c]))].join(', ')});`,
        verb: 'create',
        objects: [object],
        destructive: false,
      });
      continue;
    }
    const changed = COLUMNS.filter((c) => literal(old[c]) !== literal(b[c]));
    if (changed.length) {
      out.push({
        sql: `UPDATE storage.buckets SET ${changed.map((c) => `${c} = ${literal(b[c])}`).join(', ')} WHERE id = ${literal(b.id)};`,
        verb: 'alter',
        objects: [object],
        destructive: false,
      });
    }
  }
  for (const b of from) {
    if (after.has(b.id)) continue;
    out.push({
      sql: `DELETE FROM storage.buckets WHERE id = ${literal(b.id)};`,
      verb: 'drop',
      objects: [`bucket:${b.id}`],
      destructive: true,
    });
  }
  return out;
}

function literal(value: string | boolean | string[] | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return value.length ? `ARRAY[${value.map(literal).join(', ')}]` : `'{}'::text[]`;
  return quoteLiteral(value);
}
