/**
 * Deliberately vulnerable schemas (test/audit/planted/*.sql, each applied on top of the shipped
 * schema in a database of its own): the audit must fail and name every planted hole.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run.js';
import { failing } from '../../src/audit/report.js';
import { migratedDatabase, type TestDatabase } from '../helpers/db.js';
import { loadPlanted, tableFingerprint, testConfig } from './helpers.js';

const planted = await loadPlanted();
const expectationsFile = path.resolve('fixtures/audit/expectations.txt');
const dbs: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(dbs.map((db) => db.drop()));
});

describe('audit-rls on planted vulnerabilities', () => {
  it('has a planted schema for each kind of hole', () => {
    const ids = new Set(planted.flatMap((p) => p.expects.map((e) => e.id)));
    for (const kind of [
      'isolation.cross_tenant_read',
      'isolation.cross_tenant_write',
      'isolation.protected_column_writable',
      'isolation.secret_column_readable',
      'isolation.unexpected_allow',
      'isolation.unexpected_deny',
      'isolation.unique_oracle',
      'function.cross_tenant_read',
      'function.cross_tenant_write',
      'storage.cross_tenant_read',
      'storage.cross_tenant_write',
      'storage.public_bucket_listing',
      'realtime.rls_disabled',
      'realtime.partition_without_policies',
      'rls_disabled_in_public',
      'partition_exposed',
      'auth_rls_initplan',
      'policy_column_unindexed',
      'security_definer_no_caller_check',
      'truncate_granted_to_api_role',
      'rls_policy_trusts_jwt_role',
      'latency.budget',
    ]) {
      expect(ids, kind).toContain(kind);
    }
  });

  for (const plant of planted) {
    it(`names every hole planted by ${plant.file}`, async () => {
      const db = await migratedDatabase(`audit_${path.basename(plant.file, '.sql')}`);
      dbs.push(db);
      await db.sql.unsafe(plant.sql);
      const before = await tableFingerprint(db.sql);
      const report = await runAudit(db.sql, testConfig(plant.config), { expectationsFile });
      const named = failing(report.findings).map((f) => `${f.id} ${f.object}`);
      for (const e of plant.expects)
        expect(named, `${plant.file}: ${e.id} ${e.object}`).toContain(`${e.id} ${e.object}`);
      for (const c of plant.causes) {
        const finding = report.findings.find((f) => f.id === 'latency.budget' && f.object === c.query);
        expect(finding?.hint, `${plant.file}: cause "${c.text}"`).toContain(c.text);
        expect(finding?.details?.join('\n')).toMatch(/Buffers: shared/);
      }
      expect(report.exitCode).toBe(3);
      expect(await tableFingerprint(db.sql)).toEqual(before);
    }, 240_000);
  }
});
