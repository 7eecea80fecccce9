/** The partitions engine on the real Dream Suite schema, migrated through the real engine. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connect.js';
import { asUser } from '../../src/db/impersonate.js';
import { checkPartitions, listPartitions, rotatePartitions } from '../../src/partitions/index.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { thisYear } from './fixture.js';

const Y = thisYear();
let db: TestDatabase;
let one: Sql;
beforeAll(async () => {
  db = await migratedDatabase('parts_schema');
  one = connect(db.url);
});
afterAll(async () => {
  await one?.end();
  await db?.drop();
});

describe('on the Dream Suite schema', () => {
  it('the migrations leave last, this and next year attached, and check passes', async () => {
    const list = await listPartitions(db.sql, {});
    expect(list.partitions.map((p) => `${p.name} ${p.state}`)).toEqual(
      [Y - 1, Y, Y + 1].map((y) => `metrics_y${y} attached`),
    );
    expect(list.defaultPartition).toBeNull();
    expect(list.realtime).toEqual({ published: true, viaRoot: true });
    expect((await checkPartitions(db.sql, {})).reason).toBe(`ok: partitions reach ${Y + 2}-01-01 (1 year(s) ahead)`);
  });

  it("rotated partitions carry the same protection as the migration's", async () => {
    const result = await rotatePartitions(one, { ahead: 3 });
    expect(result.applied.map((s) => s.table)).toEqual([`metrics_y${Y + 2}`, `metrics_y${Y + 3}`]);
    const list = await listPartitions(db.sql, { ahead: 3 });
    expect(list.problems).toEqual([]);
    for (const p of list.partitions) {
      expect(p).toMatchObject({
        state: 'attached',
        rlsEnabled: true,
        rlsForced: true,
        apiPrivileges: [],
        missingIndexes: [],
      });
    }
    const shapes = await db.sql<{ shape: string }[]>`
      select (select string_agg(regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', ''), ' | '
                             order by regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', ''))
                from pg_index i where i.indrelid = c.oid)
             || ' || ' || (select string_agg(pg_get_constraintdef(k.oid), ' | ' order by pg_get_constraintdef(k.oid))
                             from pg_constraint k where k.conrelid = c.oid and k.contype <> 'n'
                               and k.conname not like '%\\_bounds')
             || ' || ' || c.relowner::regrole::text || ' ' || c.relreplident::text as shape
      from pg_class c where c.relname like 'metrics\\_y%' and c.relkind = 'r'`;
    expect(shapes).toHaveLength(5);
    expect(new Set(shapes.map((s) => s.shape)).size).toBe(1);
    for (const role of ['anon', 'authenticated'] as const) {
      await expect(
        asUser(
          db.sql,
          { role, sub: '00000000-0000-4000-8000-000000000001' },
          (tx) => tx`select 1 from ${tx(`metrics_y${Y + 3}`)}`,
        ),
      ).rejects.toMatchObject({ code: '42501' });
    }
    const published = await db.sql<{ tablename: string }[]>`
      select tablename from pg_publication_tables where pubname = 'supabase_realtime' and tablename like 'metrics%'`;
    expect(published.map((r) => r.tablename)).toEqual(['metrics']);
  });
});
