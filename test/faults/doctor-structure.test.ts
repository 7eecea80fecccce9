/** doctor notices broken structure (issue 12, item 6): INVALID indexes and NOT VALID constraints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorSettings } from '../../src/config/doctor.js';
import { connect } from '../../src/db/connect.js';
import { runDoctor } from '../../src/doctor/run.js';
import { defaultMigrateSettings } from '../../src/migrate/engine.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { cell } from './matrix.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('faultdoc');
});
afterAll(async () => {
  await db.drop();
});

async function doctor() {
  const sql = connect(db.url, { max: 1 });
  try {
    const r = await runDoctor(sql, {
      config: doctorSettings({}),
      migrations: defaultMigrateSettings,
      cwd: process.cwd(),
    });
    return Object.fromEntries(r.checks.map((c) => [c.id, c]));
  } finally {
    await sql.end();
  }
}

describe('doctor: structure', () => {
  it('flags an ON ONLY index on a partitioned table and a NOT VALID constraint, quiet otherwise', async () => {
    cell('doctor', 'INVALID partitioned index / NOT VALID constraint');
    const before = await doctor();
    expect(before['invalid-indexes']!.status).toBe('ok');
    expect(before['not-valid-constraints']!.status).toBe('ok');
    // What replaying pg_get_indexdef() of a partitioned parent does: an index ON ONLY the parent.
    await db.sql.unsafe('create index metrics_only_idx on only public.metrics (platform)');
    await db.sql.unsafe(
      "alter table public.artists add constraint artists_name_short check (length(coalesce(username, '')) < 1000) not valid",
    );
    const after = await doctor();
    expect(after['invalid-indexes']!.status).toBe('alert');
    expect(after['invalid-indexes']!.details).toEqual([
      'public.metrics_only_idx on metrics (partitioned: its partitions lack the index)',
    ]);
    expect(after['not-valid-constraints']!.status).toBe('alert');
    expect(after['not-valid-constraints']!.details).toEqual(['public.artists: check artists_name_short']);
  });
});
