/**
 * npm run check:splinter — Supabase's own database advisor (splinter, the Security and
 * Performance Advisor of a hosted project) against a freshly migrated database: the base and
 * every migration in sql/migrations. Prints each finding and the count per level; exit 3 when any
 * is WARN or ERROR, 2 when it cannot run.
 *
 * splinter is not shipped with dreamdb: get it from github.com/supabase/splinter and point
 * SPLINTER_SQL at its splinter.sql. pgrst.db_schemas is set as PostgREST would expose them
 * (public, storage, graphql_public), without which eight of its lints see nothing.
 * Server: $DREAMDB_BENCH_DATABASE_URL, else the embedded PostgreSQL 17 of this checkout.
 */
import fs from 'node:fs/promises';
import { connect } from '../src/db/connect.js';
import { defaultMigrateSettings, runMigrations } from '../src/migrate/engine.js';
import { benchServer } from './lib.js';

interface Finding {
  name: string;
  level: 'ERROR' | 'WARN' | 'INFO';
  detail: string;
}

const file = process.env.SPLINTER_SQL;
if (!file) {
  process.stderr.write(
    'error: SPLINTER_SQL is not set.\nhint: git clone https://github.com/supabase/splinter and set SPLINTER_SQL=<clone>/splinter.sql\n',
  );
  process.exit(2);
}
const text = await fs.readFile(file, 'utf8').catch(() => {
  process.stderr.write(
    `error: cannot read SPLINTER_SQL=${file}.\nhint: point it at splinter.sql of a clone of github.com/supabase/splinter\n`,
  );
  process.exit(2);
});

const server = await benchServer();
const name = 'dreamdb_check_splinter';
let findings: Finding[] = [];
try {
  const url = await server.createDatabase(name);
  await runMigrations(url, { settings: { ...defaultMigrateSettings } });
  const admin = connect(url);
  await admin.unsafe(`alter database "${name}" set pgrst.db_schemas = 'public, storage, graphql_public'`);
  await admin.end();
  const sql = connect(url); // a new session, so the database setting applies
  try {
    // splinter.sql starts with SET LOCAL: run it in a transaction, as the Supabase CLI does.
    await sql.begin(async (tx) => {
      const results = await tx.unsafe(text).simple();
      const rows = (Array.isArray(results) && Array.isArray(results.at(-1))
        ? results.at(-1)
        : results) as unknown as Finding[];
      findings = rows.map((r) => ({ name: r.name, level: r.level, detail: r.detail }));
    });
  } finally {
    await sql.end();
  }
  await server.dropDatabase(name);
} finally {
  await server.close();
}

const counts = { ERROR: 0, WARN: 0, INFO: 0 };
for (const f of findings) counts[f.level] += 1;
const failing = counts.ERROR + counts.WARN;
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ server: server.kind, counts, warnOrError: failing, findings }, null, 2));
} else {
  console.log(`splinter on a database migrated by dreamdb (${server.kind}):`);
  for (const f of [...findings].sort((a, b) => a.level.localeCompare(b.level) || a.name.localeCompare(b.name)))
    console.log(`  ${f.level.padEnd(5)} ${f.name}: ${f.detail}`);
  console.log(`${counts.ERROR} ERROR, ${counts.WARN} WARN, ${counts.INFO} INFO (WARN/ERROR: ${failing}).`);
}
process.exitCode = failing ? 3 : 0;
