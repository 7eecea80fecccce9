/**
 * Held-out checks of issue 12, written from the issue and README only.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';
import { createTestDatabase, migratedDatabase } from '../helpers/db.js';

function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dreamdb-heldout-'));
  writeFileSync(path.join(dir, 'dreamdb.config.json'), JSON.stringify({ migrations: { dir: 'migrations' } }));
  mkdirSync(path.join(dir, 'migrations'));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, 'migrations', name), body);
  return dir;
}

const noStack = (s: string) => expect(s).not.toContain('\n    at ');

describe('issue 12 held-out', () => {
  it('migrate --to a version no file has is refused (exit 2), naming the nearest versions, applying nothing', async () => {
    const db = await createTestDatabase('ho_to');
    try {
      const cwd = project({
        '20260101000000_a.sql': 'create schema app;\ncreate table app.a (id bigint primary key);\n',
        '20260101000200_b.sql': 'create table app.b (id bigint primary key);\n',
      });
      const r = await runCli(['migrate', '--db', db.url, '--to', '20260101000100'], { cwd });
      expect(r.code).toBe(2);
      const out = r.stdout + r.stderr;
      expect(out).toContain('20260101000000');
      expect(out).toContain('20260101000200');
      noStack(out);
      const [{ a }] = await db.sql<[{ a: unknown }]>`select to_regclass('app.a') as a`;
      expect(a).toBeNull();
      const b = await runCli(['migrate', '--db', db.url, '--to', 'banana'], { cwd });
      expect(b.code).toBe(2);
      noStack(b.stdout + b.stderr);
    } finally {
      await db.drop();
    }
  });

  it('COMMIT in the middle of a transactional file is refused before anything runs', async () => {
    const db = await createTestDatabase('ho_commit');
    try {
      const cwd = project({
        '20260101000000_first.sql': 'create schema app;\ncreate table app.first (id bigint primary key);\n',
        '20260101000100_bad.sql':
          'create table app.a (id bigint primary key);\n\nCOMMIT;\ncreate table app.b (id bigint primary key);\nselect 1/0;\n',
      });
      const r = await runCli(['migrate', '--db', db.url], { cwd });
      const out = r.stdout + r.stderr;
      expect(r.code).not.toBe(0);
      expect(out).toMatch(/20260101000100_bad\.sql:3/);
      expect(out).toMatch(/COMMIT/);
      noStack(out);
      const [row] = await db.sql`
        select to_regclass('app.first') as f, to_regclass('app.a') as a, to_regclass('app.b') as b`;
      expect(row).toEqual({ f: null, a: null, b: null });
    } finally {
      await db.drop();
    }
  });

  it('a 6-digit version and a *.SQL file are each refused (exit 2), applying nothing', async () => {
    const db = await createTestDatabase('ho_names');
    try {
      const six = project({
        '20260101000000_a.sql': 'create schema app;\ncreate table app.a (id bigint primary key);\n',
        '202601_short.sql': 'create table app.short (id bigint primary key);\n',
      });
      const r1 = await runCli(['migrate', '--db', db.url], { cwd: six });
      expect(r1.code).toBe(2);
      expect(r1.stdout + r1.stderr).toContain('202601_short.sql');
      noStack(r1.stdout + r1.stderr);

      const upper = project({
        '20260101000000_a.sql': 'create schema app;\ncreate table app.a (id bigint primary key);\n',
        '20260101000100_upper.SQL': 'create table app.upper (id bigint primary key);\n',
      });
      const r2 = await runCli(['migrate', '--db', db.url], { cwd: upper });
      expect(r2.code).toBe(2);
      expect(r2.stdout + r2.stderr).toContain('20260101000100_upper.SQL');
      noStack(r2.stdout + r2.stderr);

      const [{ a }] = await db.sql<[{ a: unknown }]>`select to_regclass('app.a') as a`;
      expect(a).toBeNull();
    } finally {
      await db.drop();
    }
  });

  it('a UTF-8 BOM at the start of a migration is accepted', async () => {
    const db = await createTestDatabase('ho_bom');
    try {
      const body = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('create schema app;\ncreate table app.bom (id bigint primary key);\n'),
      ]);
      const cwd = project({ '20260101000000_bom.sql': body });
      const r = await runCli(['migrate', '--db', db.url], { cwd });
      expect(r.stderr + r.stdout).not.toMatch(/internal error/i);
      expect(r.code).toBe(0);
      const [{ t }] = await db.sql<[{ t: unknown }]>`select to_regclass('app.bom')::text as t`;
      expect(t).toBe('app.bom');
      const again = await runCli(['migrate', '--db', db.url], { cwd });
      expect(again.code).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it('terminating seed’s connection mid-run: one line, no stack, non-zero, no generated artists left', async () => {
    const db = await migratedDatabase('ho_seed');
    try {
      const { done } = startCli(['seed', '--db', db.url, '--scale', 'small', '--yes']);
      let killed = 0;
      const deadline = Date.now() + 120_000;
      let finished = false;
      done.then(() => (finished = true));
      while (!finished && Date.now() < deadline && killed === 0) {
        const rows = await db.sql`
          select pid, query from pg_stat_activity
          where datname = current_database() and application_name like 'dreamdb%'
            and pid <> pg_backend_pid() and state = 'active' and query ilike 'copy%'`;
        if (rows.length > 0) {
          for (const r of await db.sql`
            select pid from pg_stat_activity
            where datname = current_database() and application_name like 'dreamdb%' and pid <> pg_backend_pid()`)
            await db.sql`select pg_terminate_backend(${r.pid})`;
          killed = rows.length;
        } else await new Promise((r) => setTimeout(r, 20));
      }
      expect(killed, 'caught seed in its COPY').toBeGreaterThan(0);
      const r = await done;
      const err = r.stderr.trim();
      expect(r.code).not.toBe(0);
      noStack(r.stderr + r.stdout);
      expect(err).not.toMatch(/internal error/i);
      // exactly one error line (a hint line may follow), naming the lost connection
      const errorLines = err.split('\n').filter((l) => /^error:/i.test(l));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(/connection/i);
      expect([1, 2]).toContain(r.code);
      expect(err).not.toMatch(/CONNECTION_CLOSED|TypeError/);
      const [{ n }] = await db.sql<[{ n: unknown }]>`
        select count(*)::int as n from auth.users where email like '%@seed.dreamsuite.test'`;
      expect(n).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
