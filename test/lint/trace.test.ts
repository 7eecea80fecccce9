/** The lock trace on a real server: a type change rewrites under ACCESS EXCLUSIVE, a nullable column does not; the scratch copy always goes. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { defaultMigrateSettings, runMigrations } from '../../src/migrate/engine.js';
import { renderTrace, traceMigrations } from '../../src/lint/trace/index.js';
import { withScratchCopy } from '../../src/lint/trace/scratch.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';

const ROWS = 200_000;
const files = {
  typeChange: {
    path: 'sql/migrations/20261201000000_widen.sql',
    text: 'ALTER TABLE public.readings ALTER COLUMN value TYPE bigint;\n',
    noTransaction: false,
  },
  addColumn: {
    path: 'sql/migrations/20261201000100_note.sql',
    text: 'ALTER TABLE public.readings ADD COLUMN note text;\n',
    noTransaction: false,
  },
  check: {
    path: 'sql/migrations/20261201000200_check.sql',
    text: 'SELECT 1;\nALTER TABLE public.readings ADD CONSTRAINT readings_value_nonneg CHECK (value >= 0);\n',
    noTransaction: false,
  },
  concurrent: {
    path: 'sql/migrations/20261201000300_idx.sql',
    text: '-- dreamdb:no-transaction\nCREATE INDEX CONCURRENTLY readings_value_idx ON public.readings (value);\n',
    noTransaction: true,
  },
  failing: {
    path: 'sql/migrations/20261201000400_bad.sql',
    text: 'ALTER TABLE public.readings ADD COLUMN x int;\nALTER TABLE public.nosuch ADD COLUMN y int;\n',
    noTransaction: false,
  },
};

let dir: string;
let db: TestDatabase;
const settings = () => ({ ...defaultMigrateSettings, dir });

/** Whether a scratch copy of this name still exists (other test files trace in parallel). */
async function exists(name: string): Promise<boolean> {
  const admin = connect(serverUrl());
  try {
    return (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
  } finally {
    await admin.end();
  }
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-trace-'));
  await fs.writeFile(
    path.join(dir, '20261130000000_readings.sql'),
    'CREATE TABLE public.readings (id bigint PRIMARY KEY, value int NOT NULL);\nREVOKE ALL ON public.readings FROM anon, authenticated;\n',
  );
  db = await createTestDatabase('lint_trace');
  await runMigrations(db.url, { settings: settings() });
  await db.sql`insert into public.readings select g, g % 1000 from generate_series(1, ${ROWS}) g`;
  await db.sql`analyze public.readings`;
  await db.sql.end();
});
afterAll(async () => {
  await db?.drop();
  await fs.rm(dir, { recursive: true, force: true });
});

const options = () => ({ rows: 50_000, appliedTo: '20261130000000', settings: settings(), cwd: dir });

describe('trace on a TEMPLATE copy', () => {
  it('a type change on a large table holds ACCESS EXCLUSIVE and rewrites it; a nullable column does not rewrite', async () => {
    const t = await traceMigrations(db.url, [files.typeChange, files.addColumn], options());
    expect(t.scratch.method).toBe('template');
    const [change, add] = t.statements;
    expect(change!.locks).toContainEqual(
      expect.objectContaining({
        relation: 'public.readings',
        mode: 'AccessExclusiveLock',
        waits: 'reads and writes',
        probed: true,
      }),
    );
    expect(change!.rewrote).toContain('public.readings');
    expect(add!.rewrote).toEqual([]);
    expect(add!.scanned).toEqual([]);
    expect(add!.locks.find((l) => l.relation === 'public.readings')?.mode).toBe('AccessExclusiveLock');
    const text = renderTrace(t).join('\n');
    expect(text).toMatch(
      /20261201000000_widen\.sql:1 holds ACCESS EXCLUSIVE on public\.readings for [\d.]+ m?s \(table rewrite\): reads and writes wait/,
    );
    expect(await exists(t.scratch.name)).toBe(false);
  });
  it('a CHECK scans to validate; CREATE INDEX CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE', async () => {
    const t = await traceMigrations(db.url, [files.check, files.concurrent], options());
    const check = t.statements.find((s) => s.line === 2 && s.file.endsWith('_check.sql'))!;
    expect(check.rewrote).toEqual([]);
    expect(check.scanned).toContainEqual({ relation: 'public.readings', rows: ROWS });
    const idx = t.statements.find((s) => s.file.endsWith('_idx.sql'))!;
    expect(idx.locks.find((l) => l.relation === 'public.readings')).toMatchObject({
      mode: 'ShareUpdateExclusiveLock',
      waits: 'nothing',
    });
  });
});

describe('trace on a rebuilt copy', () => {
  it('when the target has other sessions: rebuilt from the applied migrations with sampled rows, and still measures the rewrite', async () => {
    const busy = connect(db.url);
    try {
      await busy`select 1`;
      const t = await traceMigrations(db.url, [files.typeChange], options());
      expect(t.scratch).toMatchObject({ method: 'rebuilt', server: 'target', copiedRows: 50_000 });
      expect(t.statements[0]!.rewrote).toContain('public.readings');
      expect(await exists(t.scratch.name)).toBe(false);
    } finally {
      await busy.end();
    }
  }, 240_000);
});

describe('the scratch copy is always dropped', () => {
  it('after a statement fails: the trace stops there and says so', async () => {
    const t = await traceMigrations(db.url, [files.failing, files.addColumn], options());
    expect(t.failed).toMatchObject({ file: files.failing.path, line: 2 });
    expect(t.statements).toHaveLength(2);
    expect(renderTrace(t).join('\n')).toContain('failed on the scratch copy');
    expect(await exists(t.scratch.name)).toBe(false);
  });
  it('when the callback throws', async () => {
    let name = '';
    await expect(
      withScratchCopy(db.url, options(), async (scratch) => {
        name = scratch.name;
        expect(await exists(name)).toBe(true);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await exists(name)).toBe(false);
  });
});
