/**
 * A restore is identical in structure, not only in rows (issue 12, item 6): the indexes of the
 * partitioned metrics table are valid and present on every partition afterwards, the manifest
 * records the structure, and a target whose structure differs is refused and left unchanged.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/create.js';
import { readManifest } from '../../src/backup/manifest.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { readStructure } from '../../src/backup/structure.js';
import { backupSettings } from '../../src/config/backup.js';
import { DreamdbError } from '../../src/errors.js';
import { defaultMigrateSettings } from '../../src/migrate/engine.js';
import { createTestDatabase, migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { seedDatabase } from '../backup/seed.js';
import { cell } from './matrix.js';

const cfg = backupSettings({});
let source: TestDatabase;
let dir: string;
const cleanup: TestDatabase[] = [];
const restoreOptions = { settings: defaultMigrateSettings, cwd: process.cwd(), env: {}, keyEnv: 'DREAMDB_BACKUP_KEY' };

beforeAll(async () => {
  source = await migratedDatabase('rs_src');
  await seedDatabase(source.sql, { artists: 4, days: 800, platforms: 2 });
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-rs-'));
  dir = (
    await createBackup(source.url, {
      outDir: out,
      include: cfg.include,
      exclude: cfg.exclude,
      jobs: 1,
      compression: 'none',
      lockTimeoutMs: 10_000,
    })
  ).dir;
});
afterAll(async () => {
  for (const db of cleanup) await db.drop();
  await source.drop();
});

/** Indexes of metrics and its partitions that are invalid, and partitions lacking a parent index. */
async function brokenIndexes(db: TestDatabase): Promise<string[]> {
  const rows = await db.sql<{ problem: string }[]>`
    select format('%s INVALID', i.indexrelid::regclass) as problem
      from pg_index i where not i.indisvalid and i.indrelid in (select relid from pg_partition_tree('public.metrics'))
    union all
    select format('%s lacks %s', p.relid::regclass, pi.indexrelid::regclass)
      from pg_partition_tree('public.metrics') p cross join pg_index pi
     where p.isleaf and pi.indrelid = 'public.metrics'::regclass
       and not exists (select 1 from pg_inherits h join pg_index ci on ci.indexrelid = h.inhrelid
                        where h.inhparent = pi.indexrelid and ci.indrelid = p.relid)`;
  return rows.map((r) => r.problem);
}

describe('restore: structure', () => {
  it('restores every index of a partitioned table valid, on every partition, and records the structure', async () => {
    cell('restore', 'structure of a partitioned table (ON ONLY indexes)');
    const manifest = await readManifest(dir);
    expect(manifest.structure?.some((l) => l.startsWith('public.metrics index idx_metrics_artist_date valid:'))).toBe(
      true,
    );
    expect(manifest.structure?.some((l) => / policy /.test(l))).toBe(true);
    expect(manifest.structure?.some((l) => / grant SELECT to /.test(l))).toBe(true);
    expect(manifest.structure?.some((l) => / publication supabase_realtime$/.test(l))).toBe(true);
    const target = await createTestDatabase('rs_dst');
    cleanup.push(target);
    await restoreBackup(dir, target.url, restoreOptions);
    expect(await brokenIndexes(target)).toEqual([]);
    const roots = [
      ...new Set(manifest.tables.filter((t) => t.role === 'data').map((t) => t.parent ?? `${t.schema}.${t.name}`)),
    ];
    expect(await readStructure(target.sql, roots)).toEqual(await readStructure(source.sql, roots));
  });

  it('refuses a target whose structure differs (a dropped policy) and leaves it unchanged', async () => {
    cell('restore', 'target structure differs from the backup (policy dropped)');
    const target = await migratedDatabase('rs_diff');
    cleanup.push(target);
    const [policy] = await target.sql<
      { name: string }[]
    >`select polname as name from pg_policy where polrelid = 'public.artists'::regclass order by 1 limit 1`;
    await target.sql.unsafe(`drop policy "${policy!.name}" on public.artists`);
    const error = await restoreBackup(dir, target.url, restoreOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DreamdbError);
    expect((error as Error).message).toMatch(
      /^The restored structure differs from the backup's in 1 place\(s\) \(missing: public\.artists policy /,
    );
    const [row] = await target.sql<{ n: number }[]>`select count(*)::int as n from public.artists`;
    expect(row!.n).toBe(0);
  });
});
