/** `dreamdb storage` through the real binary. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await migratedDatabase('storagecli');
});
afterAll(async () => db?.drop());

describe('dreamdb storage (binary)', () => {
  it('documents its subcommands', async () => {
    const r = await runCli(['storage', 'sync', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--dry-run', '--prune', '--via <path>']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('SUPABASE_SERVICE_ROLE_KEY');
  });

  it('syncs, shows the plan as JSON, and lists buckets with object counts', async () => {
    await db.sql`update storage.buckets set file_size_limit = 1 where id = 'avatars'`;
    const plan = await runCli(['--db', db.url, 'storage', 'sync', '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).changes.map((c: { action: string }) => c.action)).toEqual([
      'update',
      'unchanged',
      'unchanged',
    ]);
    const apply = await runCli(['--db', db.url, 'storage', 'sync']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/~ update\s+avatars\s+file size limit: 1 B → 5 MiB/);
    const list = await runCli(['--db', db.url, 'storage', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/avatars\s+public\s+5 MiB\s+image\/jpeg, image\/png, image\/webp\s+0 objects/);
  });

  it('exits 2 when --prune would delete without a terminal or --yes', async () => {
    await db.sql`insert into storage.buckets (id, name) values ('old', 'old')`;
    const r = await runCli(['--db', db.url, 'storage', 'sync', '--prune']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: Delete the undeclared bucket old .* Refusing without a terminal to confirm\./);
    const yes = await runCli(['--db', db.url, 'storage', 'sync', '--prune', '--yes']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/- delete\s+old/);
  });

  it('exits 2 when the API is configured but the key is missing', async () => {
    const r = await runCli(['--db', db.url, 'storage', 'list', '--via', 'api']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--via api needs storage.projectUrl');
  });
});
