/**
 * Both ledgers, both ways: a project the Supabase CLI migrated is adopted, not re-migrated;
 * `migration repair` writes both ledgers; out-of-order files wait for --include-all.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultMigrateSettings,
  runMigrations,
  MigrationChangedError,
  type MigrateSettings,
} from '../../src/migrate/engine.js';
import { repairLedgers } from '../../src/migrate/ledgers.js';
import { splitStatements } from '../../src/db/sqlfile.js';
import { DreamdbError, ExitCode, UsageError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';

let db: TestDatabase;
let project: string;
beforeEach(async () => {
  db = await createTestDatabase('ledgers');
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-ledgers-'));
  await fs.mkdir(path.join(project, 'migrations'));
  await fs.writeFile(path.join(project, 'dreamdb.config.json'), JSON.stringify({ migrations: { dir: 'migrations' } }));
});
afterEach(async () => {
  await db.drop();
  await fs.rm(project, { recursive: true, force: true });
});

const settings = (): MigrateSettings => ({ ...defaultMigrateSettings, dir: path.join(project, 'migrations') });
const write = (name: string, text: string) => fs.writeFile(path.join(project, 'migrations', name), text);
const cli = (...args: string[]) => runCli([...args, '--db', db.url], { cwd: project });

const ONE = 'create table public.artists (id uuid primary key default gen_random_uuid(), name text not null);\n';
const TWO = 'alter table public.artists add column bio text;\n';
const THREE =
  'create table public.tracks (id bigint generated always as identity primary key, artist uuid references public.artists);\n';

/** What `supabase db push` leaves: the statements ran, versions in its ledger, nothing of dreamdb's. */
async function pushAsSupabaseCli(files: Record<string, string>): Promise<void> {
  await db.sql`create schema supabase_migrations`;
  await db.sql`create table supabase_migrations.schema_migrations (version text not null primary key, statements text[], name text)`;
  for (const [name, text] of Object.entries(files)) {
    const [, version, label] = /^([0-9]+)_(.*)\.sql$/.exec(name)!;
    const statements = ((await splitStatements(text)) ?? []).map((s) => s.text);
    for (const s of statements) await db.sql.unsafe(s);
    await db.sql`insert into supabase_migrations.schema_migrations (version, statements, name) values (${version!}, ${statements}, ${label!})`;
    await write(name, text);
  }
}

describe('adopting a project the Supabase CLI migrated', () => {
  it('counts its versions as applied, applies only newer files, and refuses later edits', async () => {
    await pushAsSupabaseCli({ '20260101000000_artists.sql': ONE, '20260102000000_bio.sql': TWO });

    const before = await cli('status');
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toMatch(/applied\s+20260101000000_artists.*Supabase CLI ledger only/);
    expect(before.stdout).toContain('2 applied, 0 pending');

    await write('20260103000000_tracks.sql', THREE);
    const dry = await cli('migrate', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/adopt\s+20260101000000_artists/);
    expect(dry.stdout).toMatch(/pending\s+20260103000000_tracks/);
    expect(dry.stdout).not.toMatch(/pending\s+20260101000000/);

    const result = await runMigrations(db.url, { settings: settings() });
    expect(result.applied.map((a) => a.version)).toEqual(['20260103000000']);
    expect(result.plan.adopted.map((f) => f.version)).toEqual(['20260101000000', '20260102000000']);
    const ledger = await db.sql`select version, checksum, applied_by from dreamdb.migrations order by version`;
    expect(ledger.map((r) => r.version)).toEqual(['20260101000000', '20260102000000', '20260103000000']);
    expect(ledger[0]!.applied_by).toMatch(/adopted from supabase_migrations/);
    expect(ledger[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    const supa = await db.sql`select version from supabase_migrations.schema_migrations order by version`;
    expect(supa.map((r) => r.version)).toEqual(['20260101000000', '20260102000000', '20260103000000']);
    const after = await cli('status');
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).not.toContain('ledger only');

    // The adopted file's checksum was recorded: an edit now is refused, not silently accepted.
    await write('20260102000000_bio.sql', 'alter table public.artists add column bio varchar(10);\n');
    await expect(runMigrations(db.url, { settings: settings() })).rejects.toBeInstanceOf(MigrationChangedError);
  });

  it('reports a version only in one ledger with what to do, and never re-runs it', async () => {
    await write('20260101000000_artists.sql', ONE);
    await write('20260102000000_bio.sql', TWO);
    await runMigrations(db.url, { settings: settings() });
    // Someone ran `supabase migration repair 20260102000000 --status reverted`, and another
    // version was pushed from a branch whose file is not here.
    await db.sql`delete from supabase_migrations.schema_migrations where version = '20260102000000'`;
    await db.sql`insert into supabase_migrations.schema_migrations (version, name) values ('20260105000000', 'elsewhere')`;

    const status = await cli('status');
    expect(status.code).toBe(ExitCode.checkFailed);
    expect(status.stdout).toMatch(/applied\s+20260102000000_bio.*missing from the Supabase CLI ledger/);
    expect(status.stdout).toContain('dreamdb migration repair 20260102000000 --status applied');
    expect(status.stdout).toMatch(/unknown\s+20260105000000_elsewhere/);
    expect(status.stdout).toContain('dreamdb migration repair 20260105000000 --status reverted');

    const warnings: string[] = [];
    const run = await runMigrations(db.url, {
      settings: settings(),
      onEvent: (e) => e.type === 'warning' && warnings.push(e.message),
    });
    expect(run.applied).toEqual([]);
    expect(warnings.join('\n')).toContain('20260102000000_bio is applied in dreamdb');
    const [{ n }] =
      (await db.sql`select count(*)::int as n from information_schema.columns where table_name = 'artists' and column_name = 'bio'`) as unknown as [
        { n: number },
      ];
    expect(n).toBe(1);
  });
});

describe('dreamdb migration repair', () => {
  it('marks a version applied in both ledgers without running it, and reverted removes it from both', async () => {
    await write('20260101000000_artists.sql', ONE);
    await write('20260102000000_bio.sql', TWO);
    await runMigrations(db.url, { settings: settings(), to: '20260101000000' });

    const applied = await cli('migration', 'repair', '20260102000000', '--status', 'applied');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('20260102000000 => applied');
    const rows = async () => ({
      dreamdb: (await db.sql`select version from dreamdb.migrations order by version`).map((r) => r.version),
      supabase: (
        await db.sql`select version, name, statements from supabase_migrations.schema_migrations order by version`
      ).map((r) => [r.version, r.name, r.statements]),
    });
    expect(await rows()).toEqual({
      dreamdb: ['20260101000000', '20260102000000'],
      supabase: [
        ['20260101000000', 'artists', [ONE.trim().replace(/;$/, '')]],
        ['20260102000000', 'bio', [TWO.trim().replace(/;$/, '')]],
      ],
    });
    const [{ n: bio }] =
      (await db.sql`select count(*)::int as n from information_schema.columns where table_name = 'artists' and column_name = 'bio'`) as unknown as [
        { n: number },
      ];
    expect(bio).toBe(0); // recorded, not run
    expect((await cli('status')).code).toBe(0);

    const reverted = await cli('migration', 'repair', '20260102000000', '--status', 'reverted');
    expect(reverted.code, reverted.stderr).toBe(0);
    expect((await rows()).dreamdb).toEqual(['20260101000000']);
    expect((await rows()).supabase.map((r) => r[0])).toEqual(['20260101000000']);
    const run = await runMigrations(db.url, { settings: settings() });
    expect(run.applied.map((a) => a.version)).toEqual(['20260102000000']);
  });

  it('refuses bad input in one line, exit 2', async () => {
    await write('20260101000000_artists.sql', ONE);
    const noStatus = await cli('migration', 'repair', '20260101000000');
    expect(noStatus.code).toBe(2);
    const badStatus = await cli('migration', 'repair', '20260101000000', '--status', 'done');
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status must be applied or reverted');
    expect(badStatus.stderr).not.toMatch(/\n\s+at /);
    const noFile = await cli('migration', 'repair', '20269999000000', '--status', 'applied');
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('No file in migrations for version 20269999000000');
    await expect(
      repairLedgers(db.url, { versions: ['v1'], status: 'applied', dir: 'migrations', cwd: project, waitMs: 1000 }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('out-of-order files', () => {
  it('are shown by status and dry runs, refused by migrate, and applied with --include-all', async () => {
    await write('20260101000000_artists.sql', ONE);
    await write('20260103000000_tracks.sql', THREE);
    await runMigrations(db.url, { settings: settings() });
    await write('20260102000000_bio.sql', TWO); // merged from an older branch

    const status = await cli('status');
    expect(status.code).toBe(ExitCode.checkFailed);
    expect(status.stdout).toMatch(/pending\s+20260102000000_bio.*out of order/);
    const dry = await cli('migrate', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/pending\s+20260102000000_bio.*out of order: needs --include-all/);

    const refused = await cli('migrate');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('older than the newest applied version: 20260102000000_bio');
    expect(refused.stderr).toContain('--include-all');
    const error = await runMigrations(db.url, { settings: settings() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DreamdbError);
    expect(await db.sql`select version from dreamdb.migrations where version = '20260102000000'`).toHaveLength(0);

    const ok = await cli('migrate', '--include-all');
    expect(ok.code, ok.stderr).toBe(0);
    expect(
      (await db.sql`select version from supabase_migrations.schema_migrations order by version`).map((r) => r.version),
    ).toEqual(['20260101000000', '20260102000000', '20260103000000']);
  });
});
