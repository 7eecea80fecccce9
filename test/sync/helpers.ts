/** Artists for the sync tests, and small readers of pull pages. */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../src/db/connect.js';
import type { PullPage } from '../../src/sync/client.js';

export async function createArtists(sql: Sql, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  for (const [i, id] of ids.entries()) {
    await sql`insert into auth.users (id, email) values (${id}, ${`sync${i}-${id.slice(0, 8)}@example.test`})`;
    await sql`insert into public.artists (id, email, name) values (${id}, ${`sync${i}-${id.slice(0, 8)}@example.test`}, ${`Artist ${i}`})`;
  }
  return ids;
}

/** Every (table, id) a set of pages sent as updated, in order. */
export function updatedIds(pages: PullPage[], table: string): string[] {
  return pages.flatMap((p) => p.changes[table]?.updated.map((r) => r.id) ?? []);
}

export function deletedIds(pages: PullPage[], table: string): string[] {
  return pages.flatMap((p) => p.changes[table]?.deleted ?? []);
}

/** Every artist id that appears anywhere in the pages' rows. */
export function artistIdsIn(pages: PullPage[]): Set<string> {
  const out = new Set<string>();
  for (const p of pages) {
    for (const [table, c] of Object.entries(p.changes)) {
      for (const r of c.updated) out.add(String(table === 'artists' ? r.id : r.artist_id));
    }
  }
  return out;
}
