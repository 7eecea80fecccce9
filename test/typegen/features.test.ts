/**
 * Every rule of the generator on a schema made for it (fixtures/app-schema.sql): policies that make
 * a command impossible or pin a column, NOT VALID checks, domains, enums, composite types,
 * identity and generated columns, views, partitions, overloads, unnamed parameters, RETURNS TABLE,
 * JSON shapes, config overrides. The module it generates must compile.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generated } from '../../src/typegen/generate.js';
import { printType } from '../../src/typegen/ts.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { compile, generate, names, table } from './helpers.js';

let db: TestDatabase;
let generated: Generated;

beforeAll(async () => {
  db = await migratedDatabase('typegen_app');
  await db.sql.unsafe(await fs.readFile(path.resolve('test/typegen/fixtures/app-schema.sql'), 'utf8'));
  generated = await generate(db.sql, { schemas: ['app'] });
});
afterAll(async () => {
  await db?.drop();
});

const fieldType = (
  fields: Array<{ name: string; type: Parameters<typeof printType>[0] }> | null | undefined,
  name: string,
) => printType(fields!.find((f) => f.name === name)!.type, 0);

describe('gen types on a schema with one of everything', () => {
  it('omits tables the client cannot touch, and partitions, but keeps them for the server', () => {
    const client = generated.model.client[0]!;
    expect(client.tables.map((t) => t.name)).toEqual(['notes', 'parts', 'things']);
    expect(generated.model.server[0]!.tables.map((t) => t.name)).toEqual(['hidden', 'notes', 'things']);
    expect(generated.text).not.toContain('parts_2026');
  });

  it('makes a command no policy allows `never`, even with the privilege granted', () => {
    const things = table(generated.model.client, 'things', 'app')!;
    expect(things.update).toBeNull(); // UPDATE granted, but no UPDATE policy
    expect(names(table(generated.model.server, 'things', 'app')!.update)).toContain('status');
  });

  it('drops columns an INSERT policy pins to what leaving them out gives, and identity/generated columns', () => {
    const things = table(generated.model.client, 'things', 'app')!;
    // status = 'draft' is its default; secret IS NULL is what omitting it gives.
    expect(names(things.insert)).toEqual(['color', 'kind', 'legacy', 'mood', 'owner', 'spot', 'tags', 'weird name']);
    expect(names(things.row)).not.toContain('secret'); // no SELECT on the column
    expect(things.insert!.find((f) => f.name === 'kind')!.optional).toBeFalsy();
    expect(things.insert!.find((f) => f.name === 'owner')!.optional).toBe(true);
  });

  it('narrows writes by NOT VALID checks but not reads, and follows domains and enums', () => {
    const things = table(generated.model.client, 'things', 'app')!;
    expect(fieldType(things.row, 'legacy')).toBe('string | null');
    expect(fieldType(things.insert, 'legacy')).toBe('"x" | "y" | null');
    expect(fieldType(things.row, 'status')).toBe('"draft" | "live"');
    expect(fieldType(things.row, 'color')).toBe('"red" | "green" | null');
    expect(fieldType(things.row, 'mood')).toBe('Database["app"]["Enums"]["mood"] | null');
    expect(fieldType(things.row, 'spot')).toBe('Database["app"]["CompositeTypes"]["point"] | null');
    expect(fieldType(things.row, 'tags')).toBe('string[]');
    expect(fieldType(things.row, 'id')).toBe('number');
    expect(generated.text).toContain('"weird name"?: string | null');
    expect(generated.text).toMatch(/Enums: \{\n\s+mood: "happy" \| "sad"\n/);
    expect(generated.text).toContain('  app: {\n    Enums: {\n      mood: ["happy", "sad"],');
  });

  it('types views, with Insert/Update only where Postgres can write through them', () => {
    const view = generated.model.client[0]!.views.find((v) => v.name === 'thing_kinds')!;
    expect(fieldType(view.row, 'kind')).toBe('string | null');
    expect(view.insert).toBeNull(); // auto-updatable, but authenticated only has SELECT
  });

  it('lists one-to-one relationships and only between relations the audience has', () => {
    const notes = table(generated.model.client, 'notes', 'app')!;
    expect(notes.relationships).toEqual([
      {
        foreignKeyName: 'notes_thing_id_fkey',
        columns: ['thing_id'],
        isOneToOne: true,
        referencedRelation: 'things',
        referencedColumns: ['id'],
      },
    ]);
  });

  it('types functions: overloads, defaults, unnamed json, RETURNS TABLE, JSON shapes; hides what the client cannot EXECUTE and triggers', () => {
    const fns = generated.model.client[0]!.functions;
    expect(fns.map((f) => f.name)).toEqual(['add', 'echo', 'items', 'stats']); // pair(int, int) has no names: PostgREST cannot call it
    expect(generated.model.server[0]!.functions.map((f) => f.name)).toContain('secret_fn');
    const add = fns.find((f) => f.name === 'add')!;
    expect(add.overloads).toHaveLength(2);
    expect(add.overloads[0]!.args!.find((a) => a.name === 'b')!.optional).toBe(true);
    expect(fns.find((f) => f.name === 'echo')!.overloads[0]!.args!.map((a) => a.name)).toEqual(['']);
    expect(printType(fns.find((f) => f.name === 'items')!.overloads[0]!.returns, 0)).toBe(
      '{\n  id: number\n  kind: string\n}[]',
    );
    const stats = generated.model.named.find((n) => n.name === 'Stats')!;
    expect(printType(stats.type, 0)).toBe(
      '{\n  n: number\n  kinds: ("a" | "b")[]\n  latest: number | null\n  moods: (Database["app"]["Enums"]["mood"] | null)[] | null\n}',
    );
    expect(printType(fns.find((f) => f.name === 'stats')!.overloads[0]!.returns, 0)).toBe('Stats'); // aggregate: always one row
    expect(generated.text).not.toContain('touch');
  });

  it("uses the config's JSON types over what it can read", async () => {
    const custom = await generate(db.sql, {
      schemas: ['app'],
      jsonTypes: { 'app.stats': '{ n: number }', 'app.notes.body': '"hello"' },
    });
    expect(custom.model.named).toEqual([]);
    expect(custom.text).toContain('Returns: { n: number }');
    expect(fieldType(table(custom.model.client, 'notes', 'app')!.row, 'body')).toBe('"hello"');
  });

  it('generates a module that compiles, and whose types refuse the pinned and never-writable columns', async () => {
    const app = `import { createClient } from '@supabase/supabase-js';
import type { Database, Stats } from './database';
const db = createClient<Database, 'app'>('http://127.0.0.1:54321', 'key', { db: { schema: 'app' } });
export async function f() {
  await db.from('things').insert({ kind: 'a', mood: 'happy', color: 'red', legacy: 'x', spot: { x: 1, y: 2 } });
  const { data } = await db.rpc('stats', { p_owner: 'u' });
  const s: Stats | null = data;
  await db.rpc('add', { a: 1 });
  // @ts-expect-error status is pinned to its default by the INSERT policy
  await db.from('things').insert({ kind: 'a', status: 'live' });
  // @ts-expect-error no UPDATE policy
  await db.from('things').update({ kind: 'b' }).eq('id', 1);
  // @ts-expect-error not a mood
  await db.from('things').insert({ kind: 'a', mood: 'angry' });
  // @ts-expect-error not a color (domain CHECK)
  await db.from('things').insert({ kind: 'a', color: 'blue' });
  // @ts-expect-error the server-only table does not exist for the client
  await db.from('hidden').select('id');
  // @ts-expect-error not executable by the client
  await db.rpc('secret_fn');
  return s;
}
`;
    const result = await compile(
      { 'database.ts': generated.text, 'app.ts': app },
      { exactOptionalPropertyTypes: true },
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
