/**
 * The two ledgers: dreamdb's own (dreamdb.migrations, with checksums) and the Supabase CLI's
 * (supabase_migrations.schema_migrations: version, statements, name). A project the Supabase CLI
 * migrated is adopted: its versions count as applied and are recorded in dreamdb's ledger with the
 * file's checksum, so later edits are refused. `migration repair` writes both, as the CLI's does.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type postgres from 'postgres';
import { withDb, type Sql } from '../db/connect.js';
import { LockKeys, withAdvisoryLock } from '../db/lock.js';
import { splitStatements } from '../db/sqlfile.js';
import { UsageError } from '../errors.js';
import { sqlDir } from '../paths.js';
import type { MigrationFile, MigrationPlan, SupabaseLedgerRow } from '../plan/migrations.js';
import { loadMigrationFiles } from './files.js';

type Tx = Sql | postgres.TransactionSql<Record<string, unknown>>;

const LEDGER_FILE = path.join(sqlDir, 'dreamdb', 'ledger.sql');

/** Who recorded an adopted or repaired row, in dreamdb.migrations.applied_by. */
export const ADOPTED_BY = 'adopted from supabase_migrations.schema_migrations';

export async function readSupabaseLedger(sql: Sql): Promise<SupabaseLedgerRow[]> {
  const [exists] = await sql<
    { ok: boolean }[]
  >`select to_regclass('supabase_migrations.schema_migrations') is not null as ok`;
  if (!exists?.ok) return [];
  return sql<SupabaseLedgerRow[]>`select version, name from supabase_migrations.schema_migrations order by version`;
}

/** Records files the Supabase CLI applied in dreamdb's ledger, with each file's checksum now. */
export async function recordAdopted(tx: Tx, files: readonly MigrationFile[]): Promise<void> {
  for (const file of files) {
    await tx`insert into dreamdb.migrations (version, name, checksum, applied_at, applied_by)
             values (${file.version}, ${file.name}, ${file.checksum}, now(), ${ADOPTED_BY})
             on conflict (version) do nothing`;
  }
}

/** Writes the Supabase CLI's row for a file exactly as `supabase db push` would. */
export async function recordSupabaseRow(tx: Tx, file: MigrationFile, statements: readonly string[]): Promise<void> {
  await tx`insert into supabase_migrations.schema_migrations (version, statements, name)
           values (${file.version}, ${statements as string[]}, ${file.name})
           on conflict (version) do update set statements = excluded.statements, name = excluded.name`;
}

/**
 * What disagrees between the ledgers, each line with the command that settles it. Pure: the
 * plan holds everything.
 */
export function ledgerWarnings(plan: MigrationPlan, dir: string): string[] {
  const lines: string[] = [];
  for (const { file } of plan.missingFromSupabase) {
    lines.push(
      `${file.version}_${file.name} is applied in dreamdb's ledger but missing from supabase_migrations.schema_migrations (\`supabase db push\` would run it again); run \`dreamdb migration repair ${file.version} --status applied\`, or \`--status reverted\` if it was rolled back.`,
    );
  }
  for (const row of plan.unknownSupabase) {
    lines.push(
      `Version ${row.version}${row.name ? ` (${row.name})` : ''} is in supabase_migrations.schema_migrations but has no file in ${dir}; restore the file (e.g. \`supabase migration fetch\`), or run \`dreamdb migration repair ${row.version} --status reverted\` if it is gone for good.`,
    );
  }
  for (const row of plan.unknown) {
    lines.push(
      `Version ${row.version} (${row.name}) is applied in the database but has no file in ${dir}; restore the file, or run \`dreamdb migration repair ${row.version} --status reverted\` if it is gone for good.`,
    );
  }
  return lines;
}

/** Out-of-order pending files are applied only when asked, as `supabase db push --include-all`. */
export function outOfOrderError(plan: MigrationPlan): UsageError {
  const names = plan.outOfOrder.map((f) => `${f.version}_${f.name}`);
  return new UsageError(
    `${names.length} pending migration(s) are older than the newest applied version: ${names.join(', ')}.`,
    {
      hint: 'Apply them anyway with `dreamdb migrate --include-all` (as `supabase db push --include-all`), or rename them to a newer version.',
    },
  );
}

export type RepairStatus = 'applied' | 'reverted';

export interface RepairResult {
  status: RepairStatus;
  versions: { version: string; name: string | null; action: 'recorded' | 'removed' | 'absent' }[];
}

export const VERSION = /^[0-9]+$/;

/**
 * `migration repair`: marks versions applied (both ledgers get the row, no SQL of the file runs)
 * or reverted (both ledgers lose it). One transaction, under the migrate lock.
 */
export async function repairLedgers(
  url: string,
  options: { versions: readonly string[]; status: RepairStatus; dir: string; cwd: string; waitMs: number },
): Promise<RepairResult> {
  const bad = options.versions.filter((v) => !VERSION.test(v));
  if (bad.length)
    throw new UsageError(`Not a migration version: ${bad.join(', ')}.`, {
      hint: 'Versions are the digits before the first underscore of a file name, e.g. 20261125100000.',
    });
  if (!options.versions.length)
    throw new UsageError('Name at least one version to repair.', {
      hint: 'dreamdb migration repair 20261125100000 --status applied',
    });
  const { files } = await loadMigrationFiles(path.resolve(options.cwd, options.dir), options.cwd);
  const byVersion = new Map(files.map((f) => [f.version, f]));
  if (options.status === 'applied') {
    const missing = options.versions.filter((v) => !byVersion.has(v));
    if (missing.length) {
      throw new UsageError(
        `No file in ${options.dir} for version ${missing.join(', ')}: only a version with a file can be marked applied.`,
        {
          hint: 'Restore the file first, or mark the version `--status reverted`.',
        },
      );
    }
  }
  const ledgerText = await fs.readFile(LEDGER_FILE, 'utf8');
  return withDb(
    url,
    (sql) =>
      withAdvisoryLock(sql, LockKeys.migrate, { waitMs: options.waitMs, what: 'dreamdb migrate' }, async () => {
        await sql.unsafe(ledgerText).simple();
        const result: RepairResult = { status: options.status, versions: [] };
        await sql.begin(async (tx) => {
          for (const version of options.versions) {
            const file = byVersion.get(version);
            if (options.status === 'applied') {
              const statements = ((await splitStatements(file!.text)) ?? []).map((s) => s.text);
              await tx`insert into dreamdb.migrations (version, name, checksum, applied_at, applied_by)
                     values (${version}, ${file!.name}, ${file!.checksum}, now(), ${'migration repair (' + (await whoAmI(tx)) + ')'})
                     on conflict (version) do update set checksum = excluded.checksum, name = excluded.name,
                       statements_done = null, done_checksum = null, applied_at = coalesce(dreamdb.migrations.applied_at, now())`;
              await recordSupabaseRow(tx, file!, statements);
              result.versions.push({ version, name: file!.name, action: 'recorded' });
            } else {
              const a = await tx`delete from dreamdb.migrations where version = ${version} returning name`;
              const b =
                await tx`delete from supabase_migrations.schema_migrations where version = ${version} returning name`;
              const name = (a[0]?.name ?? b[0]?.name ?? file?.name ?? null) as string | null;
              result.versions.push({ version, name, action: a.length || b.length ? 'removed' : 'absent' });
            }
          }
        });
        return result;
      }),
    { max: 1, connection: { application_name: 'dreamdb migration repair' } },
  );
}

async function whoAmI(tx: Tx): Promise<string> {
  const [row] = await tx<{ u: string }[]>`select current_user as u`;
  return row!.u;
}
