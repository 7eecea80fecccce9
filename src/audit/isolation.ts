/**
 * The isolation area in one outer transaction, always rolled back: catalog, fixtures, the matrix,
 * function calls, error oracles, realtime, then the invariants and the expectations diff.
 */
import { randomBytes } from 'node:crypto';
import type { AuditConfig } from '../config/audit.js';
import type { Sql } from '../db/connect.js';
import { roleStatementTimeout } from '../db/impersonate.js';
import { fullName, loadFunctions, loadRelations } from './catalog.js';
import { createFixtures } from './fixtures.js';
import { probeFunctions } from './functions.js';
import { checkInvariants } from './invariants.js';
import { probeMatrix, type Actors } from './matrix.js';
import type { Cell, Finding } from './model.js';
import { probeOracles } from './oracles.js';
import { checkRealtime, type RealtimeSummary } from './realtime.js';
import { makeActor, ProbeSession } from './session.js';
import { buildTargets } from './targets.js';

export interface IsolationSummary {
  relations: number;
  targets: number;
  tenantTargets: number;
  functions: number;
  buckets: number;
  artists: number;
  probes: number;
  cells: number;
  realtime: RealtimeSummary;
  skippedFixtures: { relation: string; reason: string }[];
}

export interface IsolationResult {
  cells: Cell[];
  findings: Finding[];
  summary: IsolationSummary;
}

export async function runIsolation(sql: Sql, config: AuditConfig, onProgress: (text: string) => void): Promise<IsolationResult> {
  const timeouts = {
    anon: await roleStatementTimeout(sql, 'anon'),
    authenticated: await roleStatementTimeout(sql, 'authenticated'),
    service_role: await roleStatementTimeout(sql, 'service_role'),
  };
  const rollback = new Error('dreamdb:rollback');
  let result: IsolationResult | undefined;
  await sql
    .begin(async (tx) => {
      // Fixture writes wait at most this long behind the app's locks.
      await tx`select set_config('lock_timeout', '5s', true)`;
      onProgress('reading the catalog');
      const relations = await loadRelations(tx, config.schemas);
      const functions = await loadFunctions(tx, config.schemas);
      const buckets: { id: string; public: boolean; audit: boolean }[] = [];
      if (relations.some((r) => fullName(r) === 'storage.objects') && relations.some((r) => fullName(r) === 'storage.buckets')) {
        for (const b of await tx<{ id: string; public: boolean }[]>`select id, coalesce(public, false) as public from storage.buckets order by id`) {
          buckets.push({ ...b, audit: false });
        }
        // A private bucket of the audit's own, so storage isolation is proven even before the project has one.
        const id = `dreamdb-audit-${randomBytes(3).toString('hex')}`;
        await tx`insert into storage.buckets (id, name, public) values (${id}, ${id}, false)`;
        buckets.push({ id, public: false, audit: true });
      }
      const targets = buildTargets(relations, buckets, config);
      onProgress('writing fixtures for the artists');
      const fixtures = await createFixtures(tx, targets, relations, config);
      const actors: Actors = {
        artists: fixtures.artists.map((a) => makeActor(a.key, 'authenticated', timeouts.authenticated, config.claims, { sub: a.id, email: a.email })),
        anon: makeActor('anon', 'anon', timeouts.anon, {}),
        service: makeActor('service_role', 'service_role', timeouts.service_role, {}),
      };
      const session = new ProbeSession(tx);
      const ctx = { session, targets, fixtures, actors, config, byName: new Map(relations.map((r) => [fullName(r), r])) };
      const cells = await probeMatrix(ctx, onProgress);
      const fn = await probeFunctions(ctx, functions, onProgress);
      onProgress('probing unique constraints for error oracles');
      const oracles = await probeOracles(ctx);
      const realtime = await checkRealtime(tx, relations);
      const allCells = [...cells, ...fn.cells, ...oracles.cells];
      result = {
        cells: allCells,
        findings: [...checkInvariants(cells, targets, config), ...fn.findings, ...oracles.findings, ...realtime.findings],
        summary: {
          relations: relations.length,
          targets: targets.length,
          tenantTargets: targets.filter((t) => t.tenancy).length,
          functions: functions.length,
          buckets: buckets.length,
          artists: fixtures.artists.length,
          probes: session.probes,
          cells: allCells.length,
          realtime: realtime.summary,
          skippedFixtures: fixtures.skipped,
        },
      };
      throw rollback;
    })
    .catch((error) => {
      if (error !== rollback) throw error;
    });
  return result!;
}
