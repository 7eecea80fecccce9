/**
 * The real binary: exit codes (0 clean, 3 findings, 2 could not run), --json, --junit, and the
 * production guard. Needs `registerAuditRls(program)` wired in src/cli.ts.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';

let clean: TestDatabase;
let holed: TestDatabase;
let bare: TestDatabase;
let dir: string;

beforeAll(async () => {
  [clean, holed, bare] = await Promise.all([
    migratedDatabase('audit_cli'),
    migratedDatabase('audit_cli_holed'),
    createTestDatabase('audit_cli_bare'),
  ]);
  await holed.sql.unsafe(
    `grant update on public.artists to authenticated; grant truncate on public.tasks to authenticated`,
  );
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-audit-'));
});

afterAll(async () => {
  await Promise.all([clean?.drop(), holed?.drop(), bare?.drop()]);
});

describe('dreamdb audit-rls (binary)', { timeout: 240_000 }, () => {
  it('exits 0 on the shipped schema, with --json and a JUnit file', async () => {
    const junit = path.join(dir, 'audit.xml');
    const r = await runCli(['audit-rls', '--db', clean.url, '--json', '--only', 'isolation', '--junit', junit]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      ok: boolean;
      findings: unknown[];
      isolation: { expectations: { status: string } };
    };
    expect(json.ok).toBe(true);
    expect(json.isolation.expectations.status).toBe('matched');
    const xml = await fs.readFile(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="audit-rls isolation" tests="\d+" failures="0"/);
  });

  it('exits 3 and names the holes, with table, actor, operation, expected, actual and a fix', async () => {
    const junit = path.join(dir, 'holed.xml');
    const r = await runCli(['audit-rls', '--db', holed.url, '--only', 'isolation', '--junit', junit]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/ERROR isolation\.protected_column_writable {2}public\.artists/);
    expect(r.stdout).toMatch(/expected: denied {3}actual: allowed/);
    expect(r.stdout).toMatch(/fix: Grant column privileges/);
    expect(await fs.readFile(junit, 'utf8')).toMatch(/<failure type="error"/);
    const lints = await runCli(['audit-rls', '--db', holed.url, '--only', 'lints']);
    expect(lints.code).toBe(3);
    expect(lints.stdout).toMatch(/truncate_granted_to_api_role {2}public\.tasks/);
  });

  it('refuses a production-labelled target unless --allow-production', async () => {
    const r = await runCli(['audit-rls', '--db', clean.url, '--only', 'lints'], {
      env: { DREAMDB_LABEL: 'production' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/labelled production/);
    expect(r.stderr).toMatch(/--allow-production/);
    const allowed = await runCli(['audit-rls', '--db', clean.url, '--only', 'lints', '--allow-production'], {
      env: { DREAMDB_LABEL: 'production' },
    });
    expect(allowed.code).toBe(0);
  });

  it('exits 2 with one line and a hint when it cannot run', async () => {
    const r = await runCli(['audit-rls', '--db', bare.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no auth.uid\(\)/);
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const bad = await runCli(['audit-rls', '--db', clean.url, '--only', 'everything']);
    expect(bad.code).toBe(2);
  });
});
