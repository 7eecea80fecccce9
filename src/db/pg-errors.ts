/**
 * Postgres errors: the SQLSTATEs dreamdb reacts to, by name, and one translator from a driver
 * error into the named error a user can act on. Every Postgres field stays reachable: the
 * original error is the `cause`, and its detail, context and object names become detail lines.
 */
import { DreamdbError, ErrorCode, LockUnavailableError, NotMigratedError, PermissionDeniedError } from '../errors.js';

/** The SQLSTATEs dreamdb names (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  featureNotSupported: '0A000',
  invalidCatalogName: '3D000',
  invalidSchemaName: '3F000',
  notNullViolation: '23502',
  foreignKeyViolation: '23503',
  uniqueViolation: '23505',
  checkViolation: '23514',
  exclusionViolation: '23P01',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  insufficientPrivilege: '42501',
  undefinedColumn: '42703',
  undefinedObject: '42704',
  undefinedFunction: '42883',
  undefinedTable: '42P01',
  wrongObjectType: '42809',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  raiseException: 'P0001',
} as const;

/** Postgres error fields as postgres.js exposes them (all of the ErrorResponse's fields). */
export interface PgErrorFields {
  message: string;
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
  internal_position?: string;
  internal_query?: string;
  schema_name?: string;
  table_name?: string;
  column_name?: string;
  constraint_name?: string;
  routine?: string;
}

export function isPgError(error: unknown): error is PgErrorFields & Error {
  return error instanceof Error && (error as { name?: string }).name === 'PostgresError';
}

/** The SQLSTATE of a Postgres error, else undefined (connection failures and bugs have none). */
export function sqlStateOf(error: unknown): string | undefined {
  return isPgError(error) ? error.code : undefined;
}

/** What a migration creates: their absence means the target is behind. */
const NOT_MIGRATED: ReadonlySet<string> = new Set([
  SqlState.undefinedTable,
  SqlState.undefinedFunction,
  SqlState.invalidSchemaName,
  SqlState.undefinedObject,
]);

export function isNotMigrated(error: unknown): boolean {
  return NOT_MIGRATED.has(sqlStateOf(error) ?? '');
}

/** Another session holds what we need right now: worth a retry (lock_timeout, or a deadlock we lost). */
export function isLockUnavailable(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code === SqlState.lockNotAvailable || code === SqlState.deadlockDetected;
}

/** The Postgres error behind a DreamdbError (its cause chain), with every field. */
export function postgresCause(error: unknown): (PgErrorFields & Error) | undefined {
  for (let current = error; current; current = current instanceof Error ? current.cause : undefined) {
    if (isPgError(current)) return current;
  }
  return undefined;
}

/** DETAIL, CONTEXT and the object the error names, as the lines shown under the message. */
export function pgErrorDetails(error: PgErrorFields): string[] {
  const lines: string[] = [];
  if (error.detail) lines.push(`DETAIL: ${error.detail}`);
  if (error.where) lines.push(`CONTEXT: ${error.where.split('\n')[0]}`);
  const object = [error.schema_name, error.table_name, error.column_name].filter(Boolean).join('.');
  if (object || error.constraint_name)
    lines.push(
      `ON: ${[object, error.constraint_name && `constraint ${error.constraint_name}`].filter(Boolean).join(', ')}`,
    );
  return lines;
}

export interface TranslateOptions {
  /** What was being done, leading the message: "Loading public.artists". */
  what: string;
  /** For a missing object: what is missing ("public.sync_pull()"); default: what the error names. */
  missing?: string;
  /** For a missing object: which migration provides it, or why it is needed. */
  migration?: string;
  /** Hints replacing the defaults, per kind of failure. */
  hints?: { permission?: string; rls?: string; lock?: string; data?: string; other?: string };
}

/** 'relation "public.metrics" does not exist' → 'relation "public.metrics"'. */
function missingFrom(error: PgErrorFields): string {
  return error.message.replace(/\s+does not exist$/, '');
}

/**
 * A driver error as the named error a user can act on: a missing object → NotMigratedError (exit
 * 2), 42501 → PermissionDeniedError, 55P03/40P01 → LockUnavailableError, rejected data (classes 22
 * and 23) and anything else → a DreamdbError naming `what` and the SQLSTATE. Errors that are not
 * from Postgres, or are DreamdbErrors already, come back unchanged.
 */
export function translatePgError(error: unknown, options: TranslateOptions): unknown {
  if (error instanceof DreamdbError || !isPgError(error)) return error;
  const code = error.code ?? '';
  const details = pgErrorDetails(error);
  const hints = options.hints ?? {};
  if (NOT_MIGRATED.has(code))
    return new NotMigratedError(options.missing ?? missingFrom(error), { detail: options.migration, cause: error });
  if (code === SqlState.insufficientPrivilege) {
    const rls = /row-level security/i.test(error.message);
    return new PermissionDeniedError(`${options.what}: ${error.message}.`, {
      details,
      cause: error,
      hint: rls
        ? (hints.rls ??
          'Run it as a role that bypasses row level security (a superuser, or one with BYPASSRLS: postgres on Supabase).')
        : (hints.permission ?? 'Run it as a role with the privilege (the owner, or postgres), or grant it.'),
    });
  }
  if (isLockUnavailable(error))
    return new LockUnavailableError(`${options.what}: ${error.message} (${code}).`, { hint: hints.lock, cause: error });
  if (/^2[23]/.test(code)) {
    return new DreamdbError(`${options.what}: ${error.message} (${code}).`, {
      details,
      hint: hints.data ?? error.hint,
      code: ErrorCode.dataRejected,
      cause: error,
    });
  }
  return new DreamdbError(`${options.what}: ${error.message}${code ? ` (${code})` : ''}.`, {
    details,
    hint: hints.other ?? error.hint,
    code: ErrorCode.postgres,
    cause: error,
  });
}
