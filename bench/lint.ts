/**
 * npm run bench:lint — (1) lint time per file (median over runs) for the corpus and the shipped
 * migrations; (2) the trace's overhead: `migrate --dry-run --trace`'s measured apply on a scratch
 * copy against the same statements applied plainly on a TEMPLATE copy, in the same process;
 * (3) the same dangerous and safe files through squawk (squawk-cli, a devDependency used only
 * here) beside dreamdb's lint: what each catches that the other misses.
 *
 * Corpora: fixtures/lint (written with the rules) and, when present, test/lint/heldout (written
 * from the issue alone by someone who never saw the rules): the honest score.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { connect } from '../src/db/connect.js';
import { lintFiles, schemaFromFiles } from '../src/lint/lint.js';
import type { LintFile } from '../src/lint/model.js';
import { traceMigrations } from '../src/lint/trace/index.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { loadMigrationFiles, NO_TRANSACTION } from '../src/migrate/files.js';
import { benchServer, median, ms } from './lib.js';

const run = promisify(execFile);
const runs = Number(process.env.BENCH_RUNS ?? 7);

interface Case {
  file: string;
  expect: 'finding' | 'quiet';
  after?: string[];
  concern?: string;
  /** The line of the offending statement (held-out corpus). */
  line?: number | null;
}

interface Corpus {
  name: string;
  dir: string;
  cases: Case[];
}

async function corpus(name: string, manifest: string, dir: string): Promise<Corpus | undefined> {
  if (!existsSync(manifest)) return undefined;
  const cases = JSON.parse(await fs.readFile(manifest, 'utf8')) as Case[];
  return { name, dir, cases };
}

const read = async (dir: string, file: string): Promise<LintFile> => {
  const text = await fs.readFile(path.join(dir, file), 'utf8');
  return { path: file, text, noTransaction: NO_TRANSACTION.test(text.replace(/^\uFEFF/, '')) };
};

const { files: shipped } = await loadMigrationFiles(path.resolve(defaultMigrateSettings.dir));

/** dreamdb's verdict on one case: the shipped schema and the case's `after` files come first. */
async function lintCase(c: Corpus, k: Case) {
  const history = [...shipped, ...(await Promise.all((k.after ?? []).map((a) => read(c.dir, a))))];
  const schema = await schemaFromFiles(history);
  const file = await read(c.dir, k.file);
  const t = performance.now();
  const report = await lintFiles([file], { schema });
  return {
    ms: performance.now() - t,
    rules: [...new Set(report.findings.map((f) => f.rule))],
    lines: report.findings.map((f) => f.line),
  };
}

/**
 * squawk is a peer for comparison only, so it is not a dependency: the registry here carries only
 * its linux-x64 binary package, and a lock file naming its other platforms' packages breaks
 * `npm ci`. The bench installs the pinned version beside the project on first use.
 */
const SQUAWK_VERSION = '2.66.0';
const SQUAWK_DIR = path.resolve('.dreamdb/tools/squawk');
const SQUAWK = path.join(SQUAWK_DIR, 'node_modules/.bin/squawk');

async function ensureSquawk(): Promise<boolean> {
  if (existsSync(SQUAWK)) return true;
  await fs.mkdir(SQUAWK_DIR, { recursive: true });
  try {
    await promisify(execFile)('npm', [
      'install',
      '--prefix',
      SQUAWK_DIR,
      '--no-audit',
      '--no-fund',
      '--no-save',
      `squawk-cli@${SQUAWK_VERSION}`,
    ]);
  } catch (error) {
    console.log(`could not install squawk-cli@${SQUAWK_VERSION}: ${(error as Error).message.split('\n')[0]}`);
  }
  return existsSync(SQUAWK);
}

/** squawk's verdict: every violation it reports for the file (it reads files alone, with no schema). */
async function squawkCase(c: Corpus, k: Case): Promise<string[]> {
  const file = await read(c.dir, k.file);
  const args = [
    '--reporter',
    'json',
    '--pg-version',
    '17.0',
    ...(file.noTransaction ? [] : ['--assume-in-transaction']),
    path.join(c.dir, k.file),
  ];
  let stdout = '';
  try {
    ({ stdout } = await run(SQUAWK, args));
  } catch (error) {
    stdout = (error as { stdout?: string }).stdout ?? '';
  }
  const parsed = JSON.parse(stdout || '[]') as { rule_name?: string; rule?: string }[];
  return [...new Set(parsed.map((v) => v.rule_name ?? v.rule ?? '?'))];
}

/** squawk rules about style or settings, not about what a statement does to a live app. */
// dreamdb sets lock_timeout itself (a connection option) and retries; the rest are type preferences.
const SQUAWK_STYLE = new Set([
  'require-lock-timeout',
  'require-statement-timeout',
  'require-timeout-settings',
  'prefer-robust-stmts',
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-identity',
  'prefer-text-field',
  'prefer-timestamptz',
  'ban-char-field',
]);

async function compare(c: Corpus) {
  const haveSquawk = await ensureSquawk();
  const rows: {
    file: string;
    expect: Case['expect'];
    dreamdb: string[];
    squawk: string[];
    squawkSafety: string[];
    ms: number;
    onLine: boolean | undefined;
  }[] = [];
  for (const k of c.cases) {
    const times: number[] = [];
    let rules: string[] = [];
    let onLine: boolean | undefined;
    for (let i = 0; i < runs; i += 1) {
      const r = await lintCase(c, k);
      times.push(r.ms);
      rules = r.rules;
      onLine = typeof k.line === 'number' && k.expect === 'finding' ? r.lines.includes(k.line) : undefined;
    }
    const sq = haveSquawk ? await squawkCase(c, k) : [];
    rows.push({
      file: k.file,
      expect: k.expect,
      dreamdb: rules,
      squawk: sq,
      squawkSafety: sq.filter((r) => !SQUAWK_STYLE.has(r)),
      ms: median(times),
      onLine,
    });
  }
  const score = (pick: (r: (typeof rows)[number]) => string[]) => {
    const danger = rows.filter((r) => r.expect === 'finding');
    const quiet = rows.filter((r) => r.expect === 'quiet');
    return {
      caught: danger.filter((r) => pick(r).length).length,
      of: danger.length,
      falseAlarms: quiet.filter((r) => pick(r).length).length,
      quiet: quiet.length,
    };
  };
  const d = score((r) => r.dreamdb);
  const s = score((r) => r.squawk);
  const ss = score((r) => r.squawkSafety);
  console.log(`\n## ${c.name}: ${c.cases.length} files (${d.of} dangerous, ${d.quiet} safe)`);
  console.log(
    `lint time per file: median ${ms(median(rows.map((r) => r.ms)))} (max ${ms(Math.max(...rows.map((r) => r.ms)))}), ${runs} runs each`,
  );
  console.log(`dreamdb: caught ${d.caught}/${d.of} dangerous, ${d.falseAlarms}/${d.quiet} false alarms on safe files`);
  const located = rows.filter((r) => r.onLine !== undefined);
  if (located.length)
    console.log(
      `dreamdb: a finding on the manifest's line in ${located.filter((r) => r.onLine).length}/${located.length} dangerous files`,
    );
  if (haveSquawk) {
    console.log(`squawk:  caught ${s.caught}/${s.of} dangerous, ${s.falseAlarms}/${s.quiet} false alarms (all rules)`);
    console.log(
      `squawk:  caught ${ss.caught}/${ss.of} dangerous, ${ss.falseAlarms}/${ss.quiet} false alarms (without its style/timeout rules: ${[...SQUAWK_STYLE].join(', ')})`,
    );
    console.log('dreamdb catches, squawk (safety rules) misses:');
    for (const r of rows.filter((x) => x.expect === 'finding' && x.dreamdb.length && !x.squawkSafety.length))
      console.log(`  ${r.file}: ${r.dreamdb.join(', ')}`);
    console.log('squawk (safety rules) catches, dreamdb misses:');
    for (const r of rows.filter((x) => x.expect === 'finding' && !x.dreamdb.length && x.squawkSafety.length))
      console.log(`  ${r.file}: ${r.squawkSafety.join(', ')}`);
    console.log('both miss:');
    for (const r of rows.filter((x) => x.expect === 'finding' && !x.dreamdb.length && !x.squawkSafety.length))
      console.log(`  ${r.file}`);
    console.log('false alarms on safe files:');
    for (const r of rows.filter((x) => x.expect === 'quiet' && (x.dreamdb.length || x.squawk.length)))
      console.log(`  ${r.file}: dreamdb [${r.dreamdb.join(', ')}] squawk [${r.squawk.join(', ')}]`);
  } else {
    console.log(`squawk-cli@${SQUAWK_VERSION} could not be installed: comparison skipped`);
  }
}

// 1 + 3: the corpora.
const corpora = [
  await corpus('fixtures/lint (written with the rules)', 'fixtures/lint/manifest.json', 'fixtures/lint/corpus'),
  await corpus(
    'test/lint/heldout (held out: written from the issue alone)',
    'test/lint/heldout/manifest.json',
    'test/lint/heldout',
  ),
].filter((c): c is Corpus => Boolean(c));
for (const c of corpora) await compare(c);

// The shipped migrations, as one deploy each.
{
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    await lintFiles(shipped, { schema: await schemaFromFiles([]) });
    times.push(performance.now() - t);
  }
  const lines = shipped.reduce((n, f) => n + f.text.split('\n').length, 0);
  console.log(
    `\nshipped migrations: ${shipped.length} files, ${lines} lines: median ${ms(median(times))} for all (${ms(median(times) / shipped.length)} per file)`,
  );
}

// 2: trace overhead on a table with rows.
const server = await benchServer();
const rows = Number(process.env.BENCH_TRACE_ROWS ?? 300_000);
const dir = await fs.mkdtemp(path.join(process.env.TMPDIR ?? '/tmp', 'dreamdb-bench-lint-'));
try {
  await fs.writeFile(
    path.join(dir, '20261130000000_readings.sql'),
    'CREATE TABLE public.readings (id bigint PRIMARY KEY, value int NOT NULL, note text);\nREVOKE ALL ON public.readings FROM anon, authenticated;\n',
  );
  const settings = { ...defaultMigrateSettings, dir };
  const url = await server.createDatabase('dreamdb_bench_lint_src');
  await runMigrations(url, { settings });
  const sql = connect(url);
  await sql`insert into public.readings select g, g % 1000, 'n' || g from generate_series(1, ${rows}) g`;
  await sql`vacuum analyze public.readings`;
  await sql.end();
  const pending: LintFile[] = [
    {
      path: '20261201000000_widen.sql',
      text: 'ALTER TABLE public.readings ALTER COLUMN value TYPE bigint;\n',
      noTransaction: false,
    },
    {
      path: '20261201000100_flag.sql',
      text: 'ALTER TABLE public.readings ADD COLUMN flag boolean;\nALTER TABLE public.readings ADD CONSTRAINT readings_value_nonneg CHECK (value >= 0);\n',
      noTransaction: false,
    },
  ];
  const plain: number[] = [];
  const traced: number[] = [];
  let sample = '';
  for (let i = -1; i < Math.min(runs, 5); i += 1) {
    const admin = connect(server.url);
    let t = performance.now();
    await admin.unsafe('create database dreamdb_bench_lint_copy template dreamdb_bench_lint_src');
    const c = connect(url.replace('dreamdb_bench_lint_src', 'dreamdb_bench_lint_copy'));
    for (const f of pending)
      await c.begin(async (tx) => {
        await tx.unsafe(f.text).simple();
      });
    await c.end();
    await admin.unsafe('drop database dreamdb_bench_lint_copy with (force)');
    await admin.end();
    if (i >= 0) plain.push(performance.now() - t);
    t = performance.now();
    const tr = await traceMigrations(url, pending, {
      rows: 0,
      appliedTo: '20261130000000',
      settings,
      cwd: process.cwd(),
    });
    if (i >= 0) traced.push(performance.now() - t);
    sample = JSON.stringify(
      tr.statements.map((s) => ({
        at: `${s.file}:${s.line}`,
        ms: Math.round(s.durationMs),
        rewrote: s.rewrote,
        scanned: s.scanned,
        locks: s.locks
          .filter((l) => l.relation === 'public.readings')
          .map((l) => `${l.mode} ${Math.round(l.heldMs)} ms ${l.waits}`),
      })),
    );
  }
  console.log(
    `\ntrace on ${server.kind}, ${rows} rows: TEMPLATE copy + plain apply + drop median ${ms(median(plain))}; the same through the trace ${ms(median(traced))}: ${(median(traced) / median(plain)).toFixed(2)}x`,
  );
  console.log(`trace sample: ${sample}`);
} finally {
  await server.dropDatabase('dreamdb_bench_lint_src').catch(() => {});
  await server.dropDatabase('dreamdb_bench_lint_copy').catch(() => {});
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
}
