/** The lint against a real migrated database: what exists and what the app uses come from its catalog; migrate refuses. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/migrate/migrate.js';
import { readMigrationStatus } from '../../src/migrate/status.js';
import { createContext } from '../../src/context.js';
import { lintPending } from '../../src/lint/run.js';
import { renderTrace } from '../../src/lint/trace/index.js';
import { createOutput } from '../../src/ui/output.js';
import { connect } from '../../src/db/connect.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';

const FILE = 'sql/migrations/20261231000000_next.sql';
const lint = (db: TestDatabase, text: string, noTransaction = false) =>
  lintPending(db.sql, [{ path: FILE, text, noTransaction }]);
const rules = async (db: TestDatabase, text: string) => (await lint(db, text)).findings.map((f) => f.rule).sort();

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('lint_catalog');
});
afterAll(async () => {
  await db?.drop();
});

describe('knowledge from the catalog', () => {
  it('knows which tables exist: an index on one fires, on a table created in the same run does not', async () => {
    expect(await rules(db, 'CREATE INDEX tasks_title_idx ON public.tasks (title);')).toEqual(['index-not-concurrent']);
    const quiet = await lint(db, 'CREATE TABLE private_x (id int); CREATE INDEX ON private_x (id);');
    expect(quiet.findings.filter((f) => f.rule === 'index-not-concurrent')).toEqual([]);
    expect(quiet.knowledge).toBe('catalog');
  });
  it('knows what the app uses from its grants: granted columns, column-only grants, RPC functions', async () => {
    expect(await rules(db, 'ALTER TABLE public.artists RENAME COLUMN bio TO biography;')).toEqual([
      'rename-used-object',
    ]);
    expect(await rules(db, 'DROP TABLE public.platform_connections;')).toEqual(['drop-used-object']);
    expect(await rules(db, 'DROP FUNCTION public.get_dashboard_summary(uuid);')).toEqual(['drop-used-object']);
    // The token columns are never granted to the app; dreamdb's own functions are not in an exposed schema.
    expect(await rules(db, 'ALTER TABLE public.platform_connections DROP COLUMN refresh_token_encrypted;')).toEqual([]);
    expect(await rules(db, 'DROP FUNCTION dreamdb.metrics_partitions_lock_key(text);')).toEqual([]);
  });
  it('knows column types (a widening is free, int → numeric is not) and RLS (a view over an RLS table)', async () => {
    expect(await rules(db, 'ALTER TABLE public.tasks ALTER COLUMN title TYPE text;')).toEqual([]);
    expect(await rules(db, 'ALTER TABLE public.metrics ALTER COLUMN followers TYPE numeric;')).toEqual([
      'column-type-rewrites',
    ]);
    const view = await lint(
      db,
      'CREATE VIEW public.task_titles AS SELECT title FROM public.tasks; GRANT SELECT ON public.task_titles TO authenticated;',
    );
    expect(view.findings.map((f) => f.rule)).toEqual(['view-without-security-invoker']);
  });
});

describe('migrate and status', () => {
  let dir: string;
  const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
  const context = () =>
    createContext(
      { db: db.url },
      { cwd: dir, out: createOutput({ interactive: false, stdout: sink(), stderr: sink() }), env: {} },
    );
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-lint-'));
    await fs.mkdir(path.join(dir, 'sql/migrations'), { recursive: true });
    for (const f of await fs.readdir('sql/migrations'))
      await fs.copyFile(path.join('sql/migrations', f), path.join(dir, 'sql/migrations', f));
    await fs.writeFile(
      path.join(dir, FILE),
      'ALTER TABLE public.tasks ADD COLUMN lint_probe int;\nCREATE INDEX tasks_lint_probe_idx ON public.tasks (lint_probe);\n',
    );
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("status lists the pending file's findings", async () => {
    const s = await readMigrationStatus(await context());
    expect(s.needsAttention).toBe(true);
    expect(s.lint?.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule}`)).toEqual([
      `${FILE}:2:38 index-not-concurrent`,
    ]);
  });
  it('migrate --dry-run --trace measures the pending file on a scratch copy and drops it', async () => {
    await expect(migrate(await context(), { trace: true })).rejects.toMatchObject({ exitCode: 2 });
    await db.sql.end(); // an idle target can be a TEMPLATE
    let dry;
    try {
      dry = await migrate(await context(), { dryRun: true, trace: true });
    } finally {
      db.sql = connect(db.url, { max: 4 });
    }
    expect(dry.trace?.scratch.method).toBe('template');
    const [add, index] = dry.trace!.statements;
    expect(add!.locks).toContainEqual(
      expect.objectContaining({
        relation: 'public.tasks',
        mode: 'AccessExclusiveLock',
        waits: 'reads and writes',
        probed: true,
      }),
    );
    expect(add!.rewrote).toEqual([]);
    // The index needs SHARE, which the file's ADD COLUMN already holds (stronger) until commit.
    expect(index!.locks.filter((l) => l.relation === 'public.tasks')).toEqual([]);
    expect(index!.alreadyHeld).toContainEqual({ relation: 'public.tasks', mode: 'AccessExclusiveLock' });
    expect(renderTrace(dry.trace!).join('\n')).toMatch(
      /_next\.sql:1 holds ACCESS EXCLUSIVE on public\.tasks for [\d.]+ m?s: reads and writes wait/,
    );
    const [left] = await db.sql`select count(*)::int as n from pg_database where datname = ${dry.trace!.scratch.name}`;
    expect(left!.n).toBe(0);
  });
  it('migrate refuses with exit 3 and applies nothing; --dry-run reports the same; --allow applies it', async () => {
    await expect(migrate(await context(), {})).rejects.toMatchObject({ exitCode: 3, name: 'LintRefusedError' });
    const [col] =
      await db.sql`select count(*)::int as n from information_schema.columns where table_name = 'tasks' and column_name = 'lint_probe'`;
    expect(col!.n).toBe(0);
    const dry = await migrate(await context(), { dryRun: true });
    expect(dry.lint?.counts.error).toBe(1);
    await expect(migrate(await context(), { allow: ['no-such-rule'] })).rejects.toMatchObject({ exitCode: 2 });
    const done = await migrate(await context(), { allow: ['index-not-concurrent'] });
    expect(done.applied.map((a) => a.version)).toEqual(['20261231000000']);
    expect(done.lint?.suppressed).toMatchObject([{ rule: 'index-not-concurrent', suppressedBy: 'allow' }]);
  });
});

describe('the binary', () => {
  it('the shipped migrations lint clean, and a dangerous file exits 3 with --json and SARIF', async () => {
    const clean = await runCli(['migration', 'lint']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('0 error(s), 0 warning(s)');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-lint-cli-'));
    const file = path.join(dir, '20261201000000_bad.sql');
    await fs.writeFile(file, 'ALTER TABLE public.metrics ALTER COLUMN followers TYPE numeric;\n');
    const bad = await runCli(['migration', 'lint', file, '--json', '--sarif', path.join(dir, 'out.sarif')]);
    expect(bad.code).toBe(3);
    const json = JSON.parse(bad.stdout) as { findings: { rule: string; line: number; column: number }[] };
    expect(json.findings).toMatchObject([{ rule: 'column-type-rewrites', line: 1, column: 41 }]);
    const sarif = JSON.parse(await fs.readFile(path.join(dir, 'out.sarif'), 'utf8')) as {
      runs: { results: unknown[] }[];
    };
    expect(sarif.runs[0]!.results).toHaveLength(1);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
