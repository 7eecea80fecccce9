/**
 * The seed draft as written (fixtures/bench/draft-schema.sql: only its creation errors fixed)
 * audits to exit 3, without crashing on its foreign keys without ON DELETE (tasks.parent_insight_id
 * -> insights), with a specific finding for each of its holes H1-H10 and N1-N3 (FACTS.md section 3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runAudit } from '../../src/audit/run.js';
import { failing, type AuditReport } from '../../src/audit/report.js';
import { createDraftDatabase } from '../../src/bench/draft.js';
import { connect } from '../../src/db/connect.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.js';
import { testConfig } from './helpers.js';

let db: TestDatabase;
let report: AuditReport;

beforeAll(async () => {
  db = await createTestDatabase('audit_draft');
  await db.sql.end();
  const admin = connect(serverUrl());
  try {
    await createDraftDatabase(admin, db.url, db.name);
  } finally {
    await admin.end();
  }
  db.sql = connect(db.url, { max: 4 });
  report = await runAudit(db.sql, testConfig(), {
    expectationsFile: path.resolve('fixtures/audit/expectations.txt'),
    compareExpectations: false,
    skipLatency: true,
  });
}, 600_000);

afterAll(async () => {
  await db?.drop();
});

const HOLES: [string, string, string, RegExp?][] = [
  ['H1 metrics INSERT WITH CHECK (true), anon too', 'isolation.cross_tenant_write', 'public.metrics'],
  ['H2 achievements for anyone', 'isolation.cross_tenant_write', 'public.achievements'],
  ['H2 a million points to oneself', 'isolation.protected_column_writable', 'public.achievements', /points_awarded/],
  [
    "H3 get_dashboard_summary reads anyone's data",
    'security_definer_no_caller_check',
    'public.get_dashboard_summary(uuid)',
  ],
  [
    "H3 (the repaired body, run) returns another artist's insights",
    'function.cross_tenant_read',
    'public.get_dashboard_summary_repaired(uuid)',
  ],
  [
    "H4 update_artist_activity writes on anyone's behalf",
    'security_definer_no_caller_check',
    'public.update_artist_activity(uuid, text)',
  ],
  [
    'H5 own subscription and Stripe columns',
    'isolation.protected_column_writable',
    'public.artists',
    /subscription_tier|stripe_customer_id/,
  ],
  [
    'H6 sign-up already premium, any email',
    'isolation.protected_column_writable',
    'public.artists',
    /insert own \+subscription_tier|insert own \+email/,
  ],
  ['H7 notifications: every column', 'isolation.protected_column_writable', 'public.notifications', /title|body|type/],
  ['H8 email exists?', 'isolation.unique_oracle', 'public.artists(email)'],
  ['H8 stripe_customer_id exists?', 'isolation.unique_oracle', 'public.artists(stripe_customer_id)'],
  [
    'H9 claim another platform account id',
    'isolation.protected_column_writable',
    'public.platform_connections',
    /platform_user_id/,
  ],
  ['H9 tokens readable', 'isolation.secret_column_readable', 'public.platform_connections'],
  ['H10 self-minted million-point tasks', 'isolation.protected_column_writable', 'public.tasks', /points_reward/],
  [
    'H10 fake AI insights',
    'isolation.protected_column_writable',
    'public.insights',
    /type|title|ai_model|confidence_score/,
  ],
  ['N1 service policies trust a JWT claim', 'rls_policy_trusts_jwt_role', 'public.artists'],
  ['N2 TRUNCATE granted to API roles', 'truncate_granted_to_api_role', 'public.tasks'],
  ['N3 EXECUTE stays granted to anon', 'function_executable_by_anon', 'public.calculate_growth_streak(uuid, text)'],
];

describe('audit-rls on the seed draft', { timeout: 600_000 }, () => {
  it('runs to the end and fails with exit 3, no phase crashing', () => {
    expect(report.exitCode).toBe(3);
    expect(report.findings.filter((f) => f.id === 'audit.phase_failed').map((f) => f.message)).toEqual([]);
  });

  for (const [hole, id, object, detail] of HOLES) {
    it(`names ${hole}`, () => {
      const hits = failing(report.findings).filter((f) => f.id === id && f.object === object);
      expect(
        hits.length,
        `${id} ${object}; found: ${[...new Set(failing(report.findings).map((f) => `${f.id} ${f.object}`))].join('; ')}`,
      ).toBeGreaterThan(0);
      if (detail) expect(hits.map((f) => `${f.message} ${f.operation ?? ''}`).join('\n')).toMatch(detail);
    });
  }
});
