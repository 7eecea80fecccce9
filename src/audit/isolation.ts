/**
 * The isolation area in one outer transaction, always rolled back: catalog, fixtures, the matrix,
 * function calls, error oracles, realtime, then the invariants and the expectations diff.
 */
import { randomBytes } from 'node:crypto';
import type { AuditConfig } from '../config/audit.js';
import type { Sql } from '../db/connect.js';
import { ConnectionError, DreamdbError } from '../errors.js';
import { roleStatementTimeout } from '../db/impersonate.js';
import { fullName, loadFunctions, loadRelations } from './catalog.js';
import { Canaries } from './canaries.js';
import { SideEffects } from './effects.js';
import { createFixtures } from './fixtures.js';
import { checkBuckets } from './buckets.js';
import { isPgError } from '../db/sqlfile.js';
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

export async function runIsolation(
  sql: Sql,
  config: AuditConfig,
  onProgress: (text: string) => void,
  options: { inlineProbes?: boolean } = {},
): Promise<IsolationResult> {
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
      if (
        relations.some((r) => fullName(r) === 'storage.objects') &&
        relations.some((r) => fullName(r) === 'storage.buckets')
      ) {
        for (const b of await tx<
          { id: string; public: boolean }[]
        >`select id, coalesce(public, false) as public from storage.buckets order by id`) {
          buckets.push({ ...b, audit: false });
        }
        // A private bucket of the audit's own, so storage isolation is proven even before the project has one.
        const id = `dreamdb-audit-${randomBytes(3).toString('hex')}`;
        await tx`insert into storage.buckets (id, name, public) values (${id}, ${id}, false)`;
        buckets.push({ id, public: false, audit: true });
      }
      const targets = buildTargets(relations, buckets, config);
      const findings: Finding[] = [];
      // A phase (or one relation) that fails is a finding with the reason; the others still run.
      const guard = async (object: string, fn: () => Promise<void>) => {
        await tx.unsafe('savepoint audit_phase').simple();
        try {
          await fn();
          await tx.unsafe('release savepoint audit_phase').simple();
        } catch (error) {
          await tx.unsafe('rollback to savepoint audit_phase; release savepoint audit_phase').simple();
          if (isConnectionError(error)) throw error;
          findings.push(phaseFailed(object, error));
        }
      };
      onProgress('writing fixtures for the artists');
      const fixtures = await createFixtures(tx, targets, relations, config);
      findings.push(...fixtures.findings);
      const actors: Actors = {
        artists: fixtures.artists.map((a) =>
          makeActor(a.key, 'authenticated', timeouts.authenticated, config.claims, { sub: a.sub, email: a.email }),
        ),
        ...(fixtures.manager
          ? { manager: makeActor('manager', 'authenticated', timeouts.authenticated, config.claims, fixtures.manager) }
          : {}),
        anon: makeActor('anon', 'anon', timeouts.anon, {}),
        service: makeActor('service_role', 'service_role', timeouts.service_role, {}),
      };
      const session = new ProbeSession(tx, { inline: options.inlineProbes ?? false });
      const ctx = {
        session,
        targets,
        fixtures,
        actors,
        config,
        byName: new Map(relations.map((r) => [fullName(r), r])),
        canaries: new Canaries(fixtures.artists, targets),
        effects: new SideEffects(targets, config),
        findings,
      };
      await ctx.effects.install(session);
      const cells = await probeMatrix(ctx, onProgress, guard);
      const fnCells: Cell[] = [];
      await guard('functions', async () => {
        const fn = await probeFunctions(ctx, functions, onProgress, guard);
        fnCells.push(...fn.cells);
        findings.push(...fn.findings);
      });
      onProgress('probing unique constraints for error oracles');
      const oracleCells: Cell[] = [];
      await guard('oracles', async () => {
        const oracles = await probeOracles(ctx);
        oracleCells.push(...oracles.cells);
        findings.push(...oracles.findings);
      });
      let realtimeSummary: RealtimeSummary = { published: [], viaRoot: null, allTables: false };
      await guard('realtime', async () => {
        const realtime = await checkRealtime(tx, relations);
        realtimeSummary = realtime.summary;
        findings.push(...realtime.findings);
      });
      await guard('storage buckets', async () => {
        findings.push(...(await checkBuckets(tx, config)));
      });
      const allCells = [...cells, ...fnCells, ...oracleCells];
      result = {
        cells: allCells,
        findings: [...checkInvariants(cells, targets, config), ...findings],
        summary: {
          relations: relations.length,
          targets: targets.length,
          tenantTargets: targets.filter((t) => t.tenancy).length,
          functions: functions.length,
          buckets: buckets.length,
          artists: fixtures.artists.length,
          probes: session.probes,
          cells: allCells.length,
          realtime: realtimeSummary,
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

export function isConnectionError(error: unknown): boolean {
  // withDb's mapped errors, and the driver's own (a DreamdbError's code is not a SQLSTATE).
  if (error instanceof ConnectionError) return true;
  if (error instanceof DreamdbError) return false;
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return (
    /^(08|57P0)/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED'].includes(code)
  );
}

export function phaseFailed(object: string, error: unknown): Finding {
  const reason = isPgError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  return {
    area: 'isolation',
    id: 'audit.phase_failed',
    level: 'error',
    object,
    operation: 'audit',
    expected: 'the probes run',
    actual: reason,
    message: `the audit could not finish probing ${object}: ${reason}; what it covers is not proven (the other relations and phases still ran)`,
    hint: 'Read the reason: a schema object the audit cannot handle is a bug in dreamdb (report it with this line); a lock or timeout means run it again on a quieter database.',
  };
}
