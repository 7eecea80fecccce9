/**
 * The audit as a library: connect, check the prerequisites, run the areas (src/audit/run.ts),
 * write JUnit when asked. `dreamdb audit-rls` and the disaster-recovery drill call this.
 */
import type { AuditConfig } from '../config/audit.js';
import { withDb, type Sql } from '../db/connect.js';
import { redactUrl } from '../db/redact.js';
import { SqlState, sqlStateOf } from '../db/pg-errors.js';
import { packagedSql } from '../db/queries.js';
import { NotMigratedError, UsageError } from '../errors.js';
import { writeJunit, type AuditReport } from './report.js';
import { runAudit, type AuditOptions } from './run.js';

export interface AuditDatabaseOptions extends Pick<
  AuditOptions,
  'only' | 'skipLatency' | 'writeExpectations' | 'compareExpectations'
> {
  /** The resolved audit config (auditSettings). */
  config: AuditConfig;
  /** The isolation expectations file, absolute. */
  expectationsFile: string;
  /** Also write the findings as JUnit XML here (absolute). */
  junit?: string;
  /** The target as the report names it (default: the URL without its password). */
  target?: string;
  /** A short line of what the audit is doing now. */
  onProgress?: (text: string) => void;
}

export async function auditDatabase(url: string, options: AuditDatabaseOptions): Promise<AuditReport> {
  const { config, junit, ...rest } = options;
  const report = await withDb(url, async (sql) => {
    await checkPrerequisites(sql, config);
    return runAudit(sql, config, { ...rest, target: options.target ?? redactUrl(url) });
  });
  if (junit) await writeJunit(junit, report);
  return report;
}

const BASE = 'it installs the Supabase-compatible base on plain PostgreSQL';

/** The audit needs Supabase's auth helpers, the tenant table, and a role that bypasses RLS and can switch into each API role. */
async function checkPrerequisites(sql: Sql, config: AuditConfig): Promise<void> {
  const [found] = await sql.unsafe<{ auth: boolean; root: boolean }[]>(packagedSql('audit/prerequisites.sql'), [
    config.tenant.root,
  ]);
  if (!found?.auth) {
    throw new NotMigratedError('auth.uid() (neither a Supabase project nor migrated by dreamdb)', { detail: BASE });
  }
  if (!found.root) {
    throw new UsageError(
      `The tenant table ${config.tenant.root} does not exist, so the audit cannot tell whose a row is.`,
      {
        hint: 'Run dreamdb migrate, or set audit.tenant.root to the table whose id is the user id.',
      },
    );
  }
  try {
    const [me] = await sql.unsafe<
      { user: string; super: boolean; bypass: boolean; anon: boolean; authenticated: boolean; service: boolean }[]
    >(packagedSql('audit/connecting-role.sql'));
    if (!me || !(me.super || me.bypass) || !me.anon || !me.authenticated || !me.service) {
      throw new UsageError(
        `The audit must connect as a role that bypasses RLS and can switch to anon, authenticated and service_role; ${me?.user ?? 'this role'} cannot.`,
        {
          hint: 'Connect as postgres (on Supabase: the direct connection or the session pooler, user postgres).',
        },
      );
    }
  } catch (error) {
    if (sqlStateOf(error) === SqlState.undefinedObject) {
      throw new NotMigratedError('Supabase API roles (anon, authenticated, service_role)', {
        detail: BASE,
        cause: error,
      });
    }
    throw error;
  }
}
