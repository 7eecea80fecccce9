/**
 * Held-out tests, written from the documentation only (README.md "Configuration", docs/*.md):
 * every documented key of dreamdb.config.json must change what the command does. Each test sets
 * one key (sometimes with a companion key it needs) in a throwaway project directory, runs the CLI
 * as a user does, and checks an observable that the default would not give (and, where cheap, runs
 * the default too to show the difference).
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type CliResult } from '../helpers/cli.js';
import { heldoutSetup, EXPECTATIONS, project, cli, json, shared } from './heldout.js';

heldoutSetup();

// ---------------------------------------------------------------------------------------------
describe('audit.*', () => {
  it('audit.schemas is the audited schemas', async () => {
    const dir = await project({ audit: { schemas: ['public', 'storage', 'heldout_api'] } });
    const r = await cli(['audit-rls', '--only', 'lints', '--json', '--db', shared.url], dir);
    expect(r.code, r.stderr).toBe(3);
    const objects = json(r).findings.map((f: any) => `${f.id} ${f.object}`);
    expect(objects).toContain('rls_disabled_in_public heldout_api.open_t');
    const def = await cli(['audit-rls', '--only', 'lints', '--json', '--db', shared.url], await project({}));
    expect(JSON.stringify(json(def).findings)).not.toContain('heldout_api');
  });

  it('audit.suppress suppresses a finding per object, with a reason', async () => {
    const dir = await project({
      audit: {
        schemas: ['public', 'storage', 'heldout_api'],
        suppress: [{ id: 'rls_disabled_in_public', object: 'heldout_api.open_t', reason: 'held-out test' }],
      },
    });
    const r = await cli(['audit-rls', '--only', 'lints', '--json', '--db', shared.url], dir);
    const result = json(r);
    expect(result.findings.map((f: any) => `${f.id} ${f.object}`)).not.toContain(
      'rls_disabled_in_public heldout_api.open_t',
    );
    expect(JSON.stringify(result.suppressed)).toContain('heldout_api.open_t');
    expect(r.code, r.stderr).toBe(0);
  });

  const audit = async (config: unknown, area: string, files: Record<string, string> = {}) =>
    cli(['audit-rls', '--only', area, '--json', '--db', shared.url], await project(config, files));
  const withExpectations = async () => ({ 'reviewed/exp.txt': await fs.readFile(EXPECTATIONS, 'utf8') });

  it('audit.expectations is the reviewed expectations file', async () => {
    const r = await audit({ audit: { expectations: 'reviewed/exp.txt' } }, 'isolation', await withExpectations());
    const result = json(r);
    expect(result.isolation.expectations.file).toBe('reviewed/exp.txt');
    expect(result.isolation.expectations.status).toBe('matched');
    expect(result.findings.map((f: any) => f.id)).not.toContain('expectations.missing');
    expect(r.code, r.stderr).toBe(0);
    const def = await audit({}, 'isolation', await withExpectations()); // the file sits elsewhere than the default
    expect(json(def).findings.map((f: any) => f.id)).toContain('expectations.missing');
  });

  it('audit.artists is how many artists the isolation phase impersonates', async () => {
    const r = await audit(
      { audit: { artists: 2, expectations: 'reviewed/exp.txt' } },
      'isolation',
      await withExpectations(),
    );
    expect(json(r).isolation.artists, r.stderr).toBe(2);
    const def = await audit({ audit: { expectations: 'reviewed/exp.txt' } }, 'isolation', await withExpectations());
    expect(json(def).isolation.artists).toBe(3);
  });

  it('audit.oracles.publicColumns lists the unique columns allowed to act as oracles', async () => {
    const oracle = (r: CliResult) =>
      json(r).findings.find((f: any) => f.id === 'isolation.unique_oracle' && f.object === 'public.artists(username)');
    const strict = await audit(
      { audit: { expectations: 'reviewed/exp.txt', oracles: { publicColumns: [] } } },
      'isolation',
      await withExpectations(),
    );
    expect(strict.code, strict.stderr).toBe(3);
    expect(oracle(strict)?.level).toBe('warn');
    const def = await audit({ audit: { expectations: 'reviewed/exp.txt' } }, 'isolation', await withExpectations());
    expect(oracle(def)?.level).toBe('info');
  });

  it('audit.latency.iterations is the runs of each latency query per artist', async () => {
    const r = await audit({ audit: { latency: { iterations: 2, artists: 1 } } }, 'latency');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).latency.iterations).toBe(2);
    expect(json(r).latency.stats.every((s: any) => s.runs === 2)).toBe(true);
    const def = await audit({}, 'latency');
    expect(json(def).latency.iterations).toBe(30);
  });

  it('audit.latency.artists is how many artists run the latency queries', async () => {
    const r = await audit({ audit: { latency: { iterations: 1, artists: 2 } } }, 'latency');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).latency.artists).toBe(2);
    expect(json(r).latency.stats.every((s: any) => s.runs === 2)).toBe(true);
  });

  it("audit.latency.budgets sets a query's p95 budget", async () => {
    const r = await audit(
      { audit: { latency: { iterations: 1, artists: 1, budgets: { dashboard: '0.001ms' } } } },
      'latency',
    );
    expect(r.code, r.stderr).toBe(3);
    const result = json(r);
    expect(result.latency.stats.find((s: any) => s.name === 'dashboard').budgetMs).toBe(0.001);
    expect(result.findings.map((f: any) => `${f.id} ${f.object}`)).toContain('latency.budget dashboard');
  });

  it('audit.latency.platform is the platform of the metric-series query', async () => {
    const budgets = { metric_series_30d: '0.001ms' }; // a breach prints the query's plan
    const r = await audit(
      { audit: { latency: { iterations: 1, artists: 1, platform: 'tiktok', budgets } } },
      'latency',
    );
    expect(r.stdout).toMatch(/tiktok/);
    const def = await audit({ audit: { latency: { iterations: 1, artists: 1, budgets } } }, 'latency');
    expect(def.stdout).toMatch(/spotify/);
    expect(def.stdout).not.toMatch(/tiktok/);
  });

  it('audit.latency.seedArtists is how many artists the latency phase seeds', async () => {
    const r = await audit({ audit: { latency: { iterations: 1, artists: 1, seedArtists: 5 } } }, 'latency');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).latency.seeded).toBe(5);
    const def = await audit({ audit: { latency: { iterations: 1, artists: 1 } } }, 'latency');
    expect(json(def).latency.seeded).toBe(50);
  });
});
