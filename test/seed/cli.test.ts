/** `dreamdb seed` through the real binary: exit codes, JSON on stdout, progress on stderr. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { projectWithFixtures } from './helpers.js';

let db: TestDatabase;
let project: string;
beforeAll(async () => {
  db = await migratedDatabase('seedcli');
  project = await projectWithFixtures();
});
afterAll(async () => {
  await db?.drop();
  if (project) await fs.rm(project, { recursive: true, force: true });
});

describe('dreamdb seed (binary)', () => {
  it('documents its flags and exit codes', async () => {
    const r = await runCli(['seed', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--scale <size>',
      '--artists <n>',
      '--days <n>',
      '--seed <n>',
      '--end-date',
      '--no-fixtures',
      '--dry-run',
    ])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*130/);
  });

  it('seeds fixtures and volume, JSON on stdout and progress on stderr', async () => {
    const r = await runCli(
      ['--db', db.url, 'seed', '--artists', '5', '--days', '10', '--end-date', '2026-06-30', '--json'],
      { cwd: project },
    );
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.fixtures.map((f: { status: string }) => f.status)).toEqual(['applied', 'applied', 'applied']);
    expect(json.scale).toMatchObject({ artists: 5, days: 10, artistsAdded: 5, rows: { metrics: 250 } });
    expect(json.scale.rowsPerSecond).toBeGreaterThan(0);
    expect(r.stderr).toContain('Generating 5 artists × 10 days (seed 1)');
  });

  it('prints the rows/s figure for people', async () => {
    const r = await runCli(
      ['--db', db.url, 'seed', '--artists', '8', '--days', '10', '--end-date', '2026-06-30', '--yes'],
      { cwd: project },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/unchanged fixtures\/seed\/01-maya-rivers\.json/);
    expect(r.stdout).toMatch(/generated 8 artists × 10 days .*\(5 already present, skipped\)/);
    expect(r.stdout).toMatch(/Wrote [\d,]+ rows in [\d.]+ s: [\d,]+ rows\/s \(metrics [\d,]+ rows\/s\)/);
  });

  it('exits 2 before adding volume to a non-empty database without a terminal or --yes', async () => {
    const r = await runCli(['--db', db.url, 'seed', '--artists', '12', '--days', '10', '--end-date', '2026-06-30'], {
      cwd: project,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error: The database already has 8 artist\(s\); add 4 generated artists .* Refusing without a terminal to confirm\./,
    );
    expect(r.stderr).toContain('hint: Pass --yes');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on a target labelled production', async () => {
    const r = await runCli(['--db', db.url, 'seed', '--yes'], { cwd: project, env: { DREAMDB_LABEL: 'production' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: Refusing to seed .* labelled production/);
  });

  it('exits 2 on a bad fixture, naming the file and the path, without a stack', async () => {
    const file = path.join(project, 'fixtures/seed/04-broken.json');
    await fs.writeFile(file, JSON.stringify({ artist: { id: 'nope' } }));
    try {
      const r = await runCli(['--db', db.url, 'seed'], { cwd: project });
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^error: Invalid fixture fixtures\/seed\/04-broken\.json: artist\.id: /);
      expect(r.stderr).toContain('hint: Fix the file(s)');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await fs.rm(file);
    }
  });

  it('exits 2 on a bad flag', async () => {
    const many = await runCli(['seed', '--artists', 'many']);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain(
      "option '--artists <n>' argument 'many' is invalid. --artists must be a whole number.",
    );
    const huge = await runCli(['seed', '--scale', 'huge']);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain("argument 'huge' is invalid. Allowed choices are small, medium, large.");
  });
});
