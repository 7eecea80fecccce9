import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { diffDatabases } from '../../src/diff/engine.js';
import { rotatePartitions } from '../../src/partitions/index.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { copyOf, projectDir } from './helpers.js';

/** The hand changes the issue names, plus what pg-delta alone would miss or get wrong. */
const HAND_CHANGES = `
  alter table public.artists add column stage_name text;
  create policy "Artists read own tasks again" on public.tasks for select to authenticated using (artist_id = (select auth.uid()));
  create index tasks_created_at_idx on public.tasks (created_at);
  grant update (stage_name) on public.artists to authenticated;
  create function public.artist_initials(name text) returns text language sql immutable set search_path = '' as $$ select upper(left(name, 1)) $$;
  create function public.touch_content() returns trigger language plpgsql set search_path = '' as $$ begin new.updated_at := now(); return new; end $$;
  create trigger content_touch before update on public.content for each row execute function public.touch_content();
  alter publication supabase_realtime add table public.content;
  insert into storage.buckets (id, name, public, file_size_limit) values ('press-kits', 'press-kits', false, 10485760);
  update storage.buckets set file_size_limit = 2097152 where id = 'thumbnails';
  create policy "Artists read press kits" on storage.objects for select to authenticated using (bucket_id = 'press-kits' and (storage.foldername(name))[1] = (select auth.uid())::text);
  alter table public.insights no force row level security;
  alter table public.achievements disable row level security;
  grant select on public.achievements to anon;
  create view public.artist_names with (security_invoker = true) as select id, name from public.artists;
  revoke all on public.artist_names from anon, authenticated, service_role;
  grant select on public.artist_names to authenticated;
`;

let a: TestDatabase;
let b: TestDatabase;
let project: string;
beforeAll(async () => {
  a = await migratedDatabase('diff_a');
  b = await copyOf(a, 'diff_b');
  await b.sql.unsafe(HAND_CHANGES);
  // A partition made by rotation in B: created from the schema's default privileges, then revoked.
  const y = new Date().getUTCFullYear();
  const one = connect(b.url, { max: 1 });
  try {
    await rotatePartitions(one, { now: new Date(Date.UTC(y, 5, 1)), ahead: 4 });
  } finally {
    await one.end();
  }
  project = await projectDir();
}, 180_000);
afterAll(async () => {
  await a?.drop();
  await b?.drop();
});

describe('db diff round trip', { timeout: 300_000 }, () => {
  it('names every hand change, writes them as a migration that makes A equal to B', async () => {
    const diff = await diffDatabases(a.url, b.url);
    const objects = diff.statements.flatMap((s) => s.objects);
    for (const expected of [
      'column:public.artists.stage_name',
      'policy:public.tasks."Artists read own tasks again"',
      'index:public.tasks_created_at_idx',
      'acl:(table:public.artists).authenticated.stage_name',
      'function:public.artist_initials(text)',
      'trigger:public.content.content_touch',
      'publicationRel:supabase_realtime.public.content',
      'bucket:press-kits',
      'bucket:thumbnails',
      'policy:storage.objects."Artists read press kits"',
      'view:public.artist_names',
    ]) {
      expect(objects, expected).toContain(expected);
    }
    expect(diff.sql).toMatch(/ALTER TABLE "public"."insights" NO FORCE ROW LEVEL SECURITY/);
    expect(diff.sql).toMatch(/ALTER TABLE "public"."achievements" DISABLE ROW LEVEL SECURITY/);
    expect(objects).toContain('acl:(table:public.achievements).anon');
    expect(diff.statements.some((s) => s.destructive)).toBe(false);

    const written = await runCli(['db', 'diff', '--from', a.url, '--to', b.url, '-f', 'x', '--json'], { cwd: project });
    expect(written.code, written.stderr).toBe(0);
    const result = JSON.parse(written.stdout);
    expect(result.written.path).toMatch(/^sql\/migrations\/\d{14}_x\.sql$/);
    const text = await fs.readFile(path.join(project, result.written.path), 'utf8');
    expect(text.startsWith('-- x\n-- Runs in one transaction')).toBe(true);
    expect(text).toContain('ADD COLUMN "stage_name" text');
    // The new file went through the migration lint: the plain CREATE INDEX on an existing table is named.
    expect(result.lint.files).toEqual([result.written.path]);
    expect(result.lint.findings.map((f: { rule: string }) => f.rule)).toContain('index-not-concurrent');

    // migrate lints it too and refuses the plain CREATE INDEX unless accepted for this run.
    const refused = await runCli(['--db', a.url, 'migrate'], { cwd: project });
    expect(refused.code).toBe(3);
    const applied = await runCli(['--db', a.url, 'migrate', '--allow', 'index-not-concurrent'], { cwd: project });
    expect(applied.code, applied.stderr).toBe(0);
    const again = await runCli(['db', 'diff', '--from', a.url, '--to', b.url, '--json'], { cwd: project });
    expect(again.code, again.stderr).toBe(0);
    const after = JSON.parse(again.stdout);
    expect(after.sql).toBe('');
    expect(after.changes).toBe(0);

    const human = await runCli(['db', 'diff', '--from', a.url, '--to', b.url], { cwd: project });
    expect(human.stdout).toContain('No schema changes');
  });

  it('writes no file when there is nothing to write', async () => {
    const before = await fs.readdir(path.join(project, 'sql/migrations'));
    const r = await runCli(['db', 'diff', '--from', b.url, '--to', b.url, '-f', 'nothing'], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('No schema changes');
    expect(await fs.readdir(path.join(project, 'sql/migrations'))).toEqual(before);
  });

  it('narrows to --schema', async () => {
    const c = connect(a.url);
    try {
      await c.unsafe(
        `create schema scratch; create table scratch.t (id int); alter table public.tasks add column tmp int`,
      );
    } finally {
      await c.end();
    }
    const onlyPublic = await diffDatabases(b.url, a.url, { schemas: ['public'] });
    const objects = onlyPublic.statements.flatMap((s) => s.objects);
    expect(objects).toContain('column:public.tasks.tmp');
    expect(objects.some((o) => o.includes('scratch'))).toBe(false);
    const all = await diffDatabases(b.url, a.url);
    expect(all.statements.flatMap((s) => s.objects)).toContain('table:scratch.t');
  });

  it('replays the migration files in a shadow on the embedded server, and drops it', async () => {
    const r = await runCli(['db', 'diff', '--from', 'migrations', '--to', b.url, '--json'], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/shadow database on the (embedded server|target's server)/);
    // The project's files now include x, which B already has: only the rotation's extra partitions differ.
    const out = JSON.parse(r.stdout);
    expect(
      out.statements.flatMap((s: { objects: string[] }) => s.objects).filter((o: string) => !/metrics_y\d{4}/.test(o)),
    ).toEqual([]);
  });

  it('exits 2 with one line for an endpoint that is neither a keyword nor a URL', async () => {
    const r = await runCli(['db', 'diff', '--from', 'staging'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Not a valid connection string');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
