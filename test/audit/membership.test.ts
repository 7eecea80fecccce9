/**
 * Tenancy beyond "row owner = user": bands whose members (and a manager of two bands) act for
 * them, and notes that belong to a band through their song. Configured once (audit.tenant), the
 * membership schema audits clean, and membership holes are caught by specific findings.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run.js';
import { failing } from '../../src/audit/report.js';
import type { AuditConfig } from '../../src/config/audit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrateUrl } from '../helpers/migrate.js';
import { tableFingerprint, testConfig } from './helpers.js';

export const MEMBERSHIP_CONFIG: Partial<AuditConfig> = {
  tenant: {
    root: 'public.bands',
    ownerColumns: ['band_id'],
    membership: { table: 'public.band_members', user: 'user_id', tenant: 'band_id', values: {} },
  },
  columns: {
    ...testConfig().columns,
    serverOwned: ['public.bands.plan', 'public.bands.created_at', 'public.songs.streams', 'public.band_members.*'],
    derived: [],
  },
};

export async function membershipDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-audit-nomigrations-'));
  try {
    await migrateUrl(db.url, empty);
  } finally {
    await fs.rm(empty, { recursive: true, force: true });
  }
  await db.sql.unsafe(await fs.readFile('fixtures/audit/membership-schema.sql', 'utf8'));
  return db;
}

let db: TestDatabase;
let expectations: string;

beforeAll(async () => {
  db = await membershipDatabase('audit_membership');
  expectations = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'dreamdb-audit-exp-')), 'expectations.txt');
});

afterAll(async () => {
  await db?.drop();
});

const config = () => testConfig(MEMBERSHIP_CONFIG);

async function withPlanted<T>(sql: string, fn: () => Promise<T>): Promise<T> {
  await db.sql.begin((tx) => tx.unsafe(sql));
  try {
    return await fn();
  } finally {
    const schema = await fs.readFile('fixtures/audit/membership-schema.sql', 'utf8');
    await db.sql.begin((tx) =>
      tx.unsafe(
        `drop table if exists public.song_notes, public.songs, public.band_members, public.bands cascade;\n${schema}`,
      ),
    );
  }
}

describe('audit-rls with tenancy by membership', { timeout: 300_000 }, () => {
  it('audits the membership schema clean: members and a manager of two bands see their bands only', async () => {
    const before = await tableFingerprint(db.sql);
    const written = await runAudit(db.sql, config(), { expectationsFile: expectations, writeExpectations: true });
    expect(failing(written.findings).map((f) => `${f.id} ${f.object}: ${f.message}`)).toEqual([]);
    const report = await runAudit(db.sql, config(), { expectationsFile: expectations, skipLatency: true });
    expect(failing(report.findings).map((f) => `${f.id} ${f.object}: ${f.message}`)).toEqual([]);
    expect(report.isolation?.expectations.status).toBe('matched');
    const text = await fs.readFile(expectations, 'utf8');
    // Ownership through the foreign key, membership, and the manager acting for two bands.
    expect(text).toMatch(/^public\.song_notes\tartist\tselect\town$/m);
    expect(text).toMatch(/^public\.songs\tartist\tinsert other\tdenied:rls$/m);
    expect(text).toMatch(/^public\.songs\tmanager\tselect\town$/m);
    expect(text).toMatch(/^public\.band_members\tartist\tinsert other\tdenied:privilege$/m);
    expect(await tableFingerprint(db.sql)).toEqual(before);
  });

  it('catches a member who can make itself a member of any band', async () => {
    await withPlanted(
      `grant insert on public.band_members to authenticated;
      create policy "join" on public.band_members for insert to authenticated with check (user_id = (select auth.uid()))`,
      async () => {
        const report = await runAudit(db.sql, config(), { expectationsFile: expectations, skipLatency: true });
        expect(failing(report.findings).map((f) => `${f.id} ${f.object}`)).toContain(
          'isolation.cross_tenant_write public.band_members',
        );
      },
    );
  });

  it('catches a policy that asks "is a member of some band" instead of "of this band"', async () => {
    await withPlanted(
      `drop policy "member songs" on public.songs;
      create policy "member songs" on public.songs for select to authenticated
        using (exists (select 1 from public.band_members m where m.user_id = (select auth.uid())))`,
      async () => {
        const report = await runAudit(db.sql, config(), { expectationsFile: expectations, skipLatency: true });
        expect(failing(report.findings).map((f) => `${f.id} ${f.object}`)).toContain(
          'isolation.cross_tenant_read public.songs',
        );
      },
    );
  });

  it('catches a child table whose policy forgets the parent (tenant reached through the foreign key)', async () => {
    await withPlanted(
      `drop policy "member song notes" on public.song_notes;
      create policy "notes" on public.song_notes for select to authenticated using (true)`,
      async () => {
        const report = await runAudit(db.sql, config(), { expectationsFile: expectations, skipLatency: true });
        expect(failing(report.findings).map((f) => `${f.id} ${f.object}`)).toContain(
          'isolation.cross_tenant_read public.song_notes',
        );
      },
    );
  });
});
