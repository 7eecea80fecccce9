/** The audit on an open connection: the three areas, the expectations diff, suppressions, exit code. */
import path from 'node:path';
import type { AuditConfig } from '../config/audit.js';
import type { Sql } from '../db/connect.js';
import { diffExpectations, matrixLines, readExpectations, writeExpectations } from './expectations.js';
import { isConnectionError, phaseFailed, runIsolation } from './isolation.js';
import { DreamdbError, ExitCode } from '../errors.js';
import { runLatency } from './latency.js';
import { runLints } from './lints.js';
import { AREAS, type Area, type Finding } from './model.js';
import { failing, sortFindings, type AuditReport } from './report.js';

export interface AuditOptions {
  /** Run one area only. */
  only?: Area | undefined;
  /** Leave the latency area out (tests of isolation and lints). */
  skipLatency?: boolean;
  /** Write the observed matrix as the new expectations instead of diffing against it. */
  writeExpectations?: boolean;
  /** Overrides audit.expectations (relative to ctx.cwd). */
  expectationsFile?: string;
  /** false: skip the expectations diff (invariants still apply). */
  compareExpectations?: boolean;
  allowProduction?: boolean;
  junit?: string;
  /** Config overrides (tests, flags). */
  config?: Partial<AuditConfig>;
  onProgress?: (text: string) => void;
  /** Drive every probe from the client, a statement at a time (the fallback where pg_temp is refused; tests compare the two). */
  inlineProbes?: boolean;
}

/**
 * Accepted by default, with the reason shown in every report: Supabase's own storage schema grants
 * ALL on its tables to the API roles, which a project cannot change on hosted Supabase, and no API
 * path issues TRUNCATE.
 */
export const BUILTIN_SUPPRESSIONS = [
  {
    id: 'truncate_granted_to_api_role',
    object: 'storage.*',
    reason:
      "granted by Supabase's storage schema itself (not changeable on hosted Supabase); the Storage API never issues TRUNCATE",
  },
];

/** The audit itself, on an open connection (tests and the bench call this). */
export async function runAudit(
  sql: Sql,
  config: AuditConfig,
  options: AuditOptions & { expectationsFile: string; target?: string },
): Promise<AuditReport> {
  const started = performance.now();
  const areas = options.only
    ? [options.only]
    : options.writeExpectations
      ? ['isolation' as Area]
      : AREAS.filter((a) => !(options.skipLatency && a === 'latency'));
  const progress = options.onProgress ?? (() => {});
  const findings: Finding[] = [];
  const report: AuditReport = {
    ok: true,
    exitCode: 0,
    target: options.target ?? 'database',
    areas,
    durationMs: 0,
    findings: [],
    suppressed: [],
  };

  // An area that cannot run is a finding with the reason; the other areas still report.
  const area = async (name: Area, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      if (
        isConnectionError(error) ||
        (error instanceof DreamdbError &&
          error.exitCode === ExitCode.usage &&
          name !== 'latency' &&
          options.only === name)
      )
        throw error;
      const f = phaseFailed(`${name} area`, error);
      findings.push({ ...f, area: name });
    }
  };
  if (areas.includes('isolation')) {
    await area('isolation', async () => {
      const iso = await runIsolation(sql, config, progress, { inlineProbes: options.inlineProbes ?? false });
      findings.push(...iso.findings);
      const lines = matrixLines(iso.cells);
      const file = path.relative(process.cwd(), options.expectationsFile) || options.expectationsFile;
      let status: NonNullable<AuditReport['isolation']>['expectations']['status'] = 'not compared';
      if (options.writeExpectations) {
        await writeExpectations(options.expectationsFile, lines);
        status = 'written';
      } else if (options.compareExpectations !== false) {
        const expected = await readExpectations(options.expectationsFile);
        if (!expected) {
          status = 'missing';
          findings.push({
            area: 'isolation',
            id: 'expectations.missing',
            level: 'warn',
            object: file,
            message: `no expectations file: the ${lines.size} observed outcomes are not compared with a reviewed matrix`,
            hint: 'Run dreamdb audit-rls --write-expectations, review the file and commit it.',
          });
        } else {
          const diff = diffExpectations(expected, lines, file);
          status = diff.length ? 'differs' : 'matched';
          findings.push(...diff);
        }
      }
      report.isolation = { ...iso.summary, expectations: { file, status, lines: lines.size } };
    });
  }
  if (areas.includes('lints')) {
    await area('lints', async () => {
      progress('running lints');
      const lints = await runLints(sql, config.schemas, config.claims);
      findings.push(...lints.findings);
      report.lints = {
        run: lints.lints.length - lints.skipped.length,
        skipped: lints.skipped,
        definitions: lints.lints.map(({ id, level, title }) => ({ id, level, title })),
      };
    });
  }
  if (areas.includes('latency')) {
    await area('latency', async () => {
      const latency = await runLatency(sql, config, { required: options.only === 'latency', onProgress: progress });
      findings.push(...latency.findings);
      const { findings: _ignored, ...rest } = latency;
      report.latency = rest;
    });
  }

  const suppressions = [...BUILTIN_SUPPRESSIONS, ...config.suppress];
  for (const f of findings) {
    const s = suppressions.find((x) => x.id === f.id && matchesObject(x.object, f.object));
    if (s) report.suppressed.push({ ...f, suppressed: s.reason });
    else report.findings.push(f);
  }
  report.findings = sortFindings(report.findings);
  report.ok = failing(report.findings).length === 0;
  report.exitCode = report.ok ? 0 : 3;
  report.durationMs = performance.now() - started;
  return report;
}

function matchesObject(pattern: string, object: string): boolean {
  return pattern.endsWith('*') ? object.startsWith(pattern.slice(0, -1)) : pattern === object;
}
