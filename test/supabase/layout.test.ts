/**
 * A project in the Supabase CLI's layout (supabase/config.toml, supabase/migrations, seed.sql),
 * with migrations written the way Supabase's guides write them, on the base: defaults found from
 * config.toml, seeds hash-tracked as the CLI does, db.major_version checked, and the idioms work
 * as the users they are written for.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, migrateSettings } from '../../src/context.js';
import { loadSupabaseProject } from '../../src/config/supabase-toml.js';
import { UsageError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';

const FIXTURE = path.resolve('fixtures/supabase-project');
const ADA = 'a1b2c3d4-0000-4000-8000-000000000001';

let db: TestDatabase;
let project: string;
let major: number;
const cli = (args: string[], cwd = project) => runCli([...args, '--db', db.url], { cwd });
const toml = () => path.join(project, 'supabase', 'config.toml');

beforeAll(async () => {
  db = await createTestDatabase('supa_layout');
  major = Math.floor(
    Number((await db.sql<{ v: string }[]>`select current_setting('server_version_num') as v`)[0]!.v) / 10_000,
  );
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-supabase-'));
  await fs.cp(FIXTURE, project, { recursive: true });
  await fs.writeFile(path.join(project, 'package.json'), '{"name":"fixture","private":true}\n');
  await fs.writeFile(
    toml(),
    (await fs.readFile(toml(), 'utf8')).replace('major_version = 17', `major_version = ${major}`),
  );
});
afterAll(async () => {
  await db?.drop();
  await fs.rm(project, { recursive: true, force: true });
});

/** One PostgREST-shaped request as a signed-in user, rolled back. */
async function asUser<T>(sub: string, fn: (tx: TestDatabase['sql']) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await db.sql
    .begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub, role: 'authenticated' })}, true)`;
      await tx`set local role authenticated`;
      out = await fn(tx as unknown as TestDatabase['sql']);
      throw new Error('rollback');
    })
    .catch((e: Error) => {
      if (e.message !== 'rollback') throw e;
    });
  return out as T;
}

describe('a project in the supabase/ layout', () => {
  it('takes supabase/migrations as the default, also from a subdirectory', async () => {
    const status = await cli(['status']);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/pending\s+20260301090000_profiles/);
    await fs.mkdir(path.join(project, 'app'), { recursive: true });
    const ctx = await createContext({}, { cwd: path.join(project, 'app') });
    expect(migrateSettings(ctx).dir).toBe(path.join('..', 'supabase', 'migrations'));
    expect(migrateSettings(ctx).autoExposeNewTables).toBe(false);
  });

  it('migrates the Supabase idioms, runs seed.sql once and tracks it as the Supabase CLI does', async () => {
    const first = await cli(['migrate', '--include-seed']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/seeded\s+supabase\/seed\.sql/);
    const bytes = await fs.readFile(path.join(project, 'supabase', 'seed.sql'));
    const rows = await db.sql`select path, hash from supabase_migrations.seed_files`;
    expect(rows).toEqual([{ path: 'supabase/seed.sql', hash: createHash('sha256').update(bytes).digest('hex') }]);

    // handle_new_user made the profile from the seeded auth.users row.
    const [profile] =
      await db.sql`select full_name, length(referral_code) as code, public_id is not null as pid from public.profiles where id = ${ADA}`;
    expect(profile).toEqual({ full_name: 'Ada Example', code: 12, pid: true });
    const [key] =
      await db.sql`select public.api_key_matches('dev-key-1', key_hash) as ok, public.api_key_matches('nope', key_hash) as bad from public.api_keys`;
    expect(key).toEqual({ ok: true, bad: false });
    // (This pool connected before the base set the search_path: qualify.)
    const [user] =
      await db.sql`select encrypted_password = extensions.crypt('local-dev-password', encrypted_password) as ok from auth.users where id = ${ADA}`;
    expect(user!.ok).toBe(true);

    const again = await cli(['migrate', '--include-seed']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/unchanged\s+supabase\/seed\.sql/);

    // A changed seed only has its hash updated; it is never run again (the CLI's rule).
    await fs.appendFile(
      path.join(project, 'supabase', 'seed.sql'),
      "\ninsert into public.api_keys (owner, key_hash) values ('" + ADA + "', 'x');\n",
    );
    const edited = await cli(['migrate', '--include-seed']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toMatch(/hash-updated\s+supabase\/seed\.sql/);
    const [{ n }] = (await db.sql`select count(*)::int as n from public.api_keys`) as unknown as [{ n: number }];
    expect(n).toBe(1);
  });

  it('enforces the idioms as the users they are written for', async () => {
    const other = 'a1b2c3d4-0000-4000-8000-000000000002';
    const mine = await asUser(ADA, (tx) => tx`select full_name from public.profiles`);
    expect(mine.map((r) => r.full_name)).toEqual(['Ada Example']);
    expect(await asUser(other, (tx) => tx`select full_name from public.profiles`)).toEqual([]);
    const own = await asUser(
      ADA,
      async (tx) =>
        (await tx`insert into storage.objects (bucket_id, name) values ('avatars', ${`${ADA}/me.png`}) returning name`)
          .length,
    );
    expect(own).toBe(1);
    const foreign = await asUser(ADA, (tx) =>
      tx`insert into storage.objects (bucket_id, name) values ('avatars', ${`${other}/me.png`})`.then(
        () => 'inserted',
        (e: { code?: string }) => e.code,
      ),
    );
    expect(foreign).toBe('42501');
    // Not granted, so not reachable: the Data API default of today.
    const keys = await asUser(ADA, (tx) =>
      tx`select * from public.api_keys`.then(
        () => 'read',
        (e: { code?: string }) => e.code,
      ),
    );
    expect(keys).toBe('42501');
  });

  it('follows [api] auto_expose_new_tables, and dreamdb.config.json wins over it', async () => {
    const original = await fs.readFile(toml(), 'utf8');
    try {
      await fs.writeFile(toml(), original.replace('[api]\n', '[api]\nauto_expose_new_tables = true\n'));
      expect(migrateSettings(await createContext({}, { cwd: project })).autoExposeNewTables).toBe(true);
      await fs.writeFile(
        path.join(project, 'dreamdb.config.json'),
        JSON.stringify({ base: { autoExposeNewTables: false } }),
      );
      expect(migrateSettings(await createContext({}, { cwd: project })).autoExposeNewTables).toBe(false);
    } finally {
      await fs.writeFile(toml(), original);
      await fs.rm(path.join(project, 'dreamdb.config.json'), { force: true });
    }
  });

  it('reports config.toml problems and a major version mismatch in one line, exit 2', async () => {
    const original = await fs.readFile(toml(), 'utf8');
    try {
      await fs.writeFile(
        toml(),
        original.replace(`major_version = ${major}`, `major_version = ${major === 15 ? 17 : 15}`),
      );
      const mismatch = await cli(['migrate']);
      expect(mismatch.code).toBe(2);
      expect(mismatch.stderr).toContain(
        `db.major_version = ${major === 15 ? 17 : 15} in supabase/config.toml, but the target runs PostgreSQL ${major}`,
      );
      expect(mismatch.stderr).toContain('hint:');

      await fs.writeFile(toml(), original.replace('[db.seed]', '[db.seed\n'));
      const broken = await cli(['status']);
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/supabase\/config\.toml:\d+:\d+: /);
      expect(broken.stderr).not.toMatch(/\n\s+at /);

      await fs.writeFile(toml(), original.replace('sql_paths = ["./seed.sql"]', 'sql_paths = "./seed.sql"'));
      await expect(loadSupabaseProject(project)).rejects.toThrow(/db\.seed\.sql_paths: /);
      const typed = await cli(['status']);
      expect(typed.code).toBe(2);

      await fs.writeFile(toml(), original.replace('"./seed.sql"', '"./missing.sql"'));
      const missing = await cli(['migrate', '--include-seed']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('Seed file supabase/missing.sql');
    } finally {
      await fs.writeFile(toml(), original);
    }
    await expect(loadSupabaseProject(project)).resolves.toMatchObject({
      majorVersion: major,
      seed: { enabled: true, sqlPaths: ['./seed.sql'] },
    });
    expect(UsageError).toBeDefined();
  });
});
