/**
 * Two kinds of error: a DreamdbError is something the user can fix (one line, a hint naming what
 * to do next, an exit code, a stable `code` for --json); anything else is a bug and prints its
 * stack. The named classes below carry their fix, so every command says the same thing for the
 * same problem and tests can assert the class instead of the wording.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  checkFailed: 3,
  cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable codes for machines (`--json`'s error.code); the message may change, these do not. */
export const ErrorCode = {
  failed: 'failed',
  usage: 'usage',
  cancelled: 'cancelled',
  fileSystem: 'file-system',
  notMigrated: 'not-migrated',
  connection: 'connection',
  lockUnavailable: 'lock-unavailable',
  lockLost: 'lock-lost',
  confirmationRequired: 'confirmation-required',
  productionRefused: 'production-refused',
  permissionDenied: 'permission-denied',
  dataRejected: 'data-rejected',
  postgres: 'postgres',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface DreamdbErrorOptions {
  exitCode?: ExitCodeValue;
  hint?: string;
  details?: string[];
  cause?: unknown;
  code?: ErrorCodeValue;
}

export class DreamdbError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  /** Extra lines shown under the message (a SQL excerpt with a caret, a list of problems). */
  readonly details: string[];
  /** Stable, for --json and tests: which kind of problem, whatever the wording. */
  readonly code: ErrorCodeValue;
  constructor(message: string, options: DreamdbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DreamdbError';
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.code =
      options.code ??
      (this.exitCode === ExitCode.usage
        ? ErrorCode.usage
        : this.exitCode === ExitCode.cancelled
          ? ErrorCode.cancelled
          : ErrorCode.failed);
  }
}

type SubclassOptions = Omit<DreamdbErrorOptions, 'exitCode'>;

/** Usage, configuration or connection problems: exit 2. */
export class UsageError extends DreamdbError {
  constructor(message: string, options: SubclassOptions = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

export class CancelledError extends DreamdbError {
  constructor(message = 'Cancelled.') {
    super(message, { exitCode: ExitCode.cancelled, code: ErrorCode.cancelled });
    this.name = 'CancelledError';
  }
}

/**
 * The target lacks what a migration creates (a table, a function, a schema): exit 2, and the fix
 * is always the same command. `missing` names what is absent ("public.sync_pull()", "the storage
 * schema (storage.buckets, storage.objects)"); `detail` says which migration or why, if it helps.
 */
export class NotMigratedError extends UsageError {
  readonly missing: string;
  constructor(missing: string, options: { detail?: string; cause?: unknown } = {}) {
    super(`The target has no ${missing}: the database is not migrated.`, {
      hint: `Run \`dreamdb migrate\` first${options.detail ? ` (${options.detail})` : ''}, then run this command again.`,
      code: ErrorCode.notMigrated,
      cause: options.cause,
    });
    this.name = 'NotMigratedError';
    this.missing = missing;
  }
}

/** Cannot reach the server, or lost it mid-run: exit 2. Never carries a password (callers pass a redacted URL). */
export class ConnectionError extends UsageError {
  /** Whether the connection was established first and then lost. */
  readonly lost: boolean;
  constructor(message: string, options: { hint?: string; cause?: unknown; lost?: boolean } = {}) {
    super(message, { hint: options.hint, cause: options.cause, code: ErrorCode.connection });
    this.name = 'ConnectionError';
    this.lost = options.lost ?? false;
  }
}

/** The connection that held a session lock died; the run must not send anything else (exit 1). */
export class LockLostError extends DreamdbError {
  constructor(what: string, cause?: unknown) {
    super(
      `Lost the connection that held the ${what} lock; stopped without running anything else on a new connection.`,
      {
        hint: `The server ended the session (restart, failover, pg_terminate_backend or a network drop). Run the command again: it takes the lock anew and continues where this run stopped.`,
        code: ErrorCode.lockLost,
        cause,
      },
    );
    this.name = 'LockLostError';
  }
}

/** Another session held a lock for longer than dreamdb waits (SQLSTATE 55P03, or another dreamdb run): exit 1, nothing changed. */
export class LockUnavailableError extends DreamdbError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, {
      hint:
        options.hint ??
        'A long transaction holds a conflicting lock (see pg_stat_activity / pg_locks); run the command again when it is done.',
      code: ErrorCode.lockUnavailable,
      cause: options.cause,
    });
    this.name = 'LockUnavailableError';
  }
}

/** A prompt was needed but there is no terminal (or CI): exit 2, the fix is --yes. */
export class ConfirmationRequiredError extends UsageError {
  constructor(message: string, options: { hint?: string } = {}) {
    super(message, {
      hint: options.hint ?? 'Pass --yes to confirm non-interactively.',
      code: ErrorCode.confirmationRequired,
    });
    this.name = 'ConfirmationRequiredError';
  }
}

/** The role lacks a privilege, or row level security hides rows from it (SQLSTATE 42501): exit 1. */
export class PermissionDeniedError extends DreamdbError {
  constructor(message: string, options: { hint?: string; cause?: unknown; details?: string[] } = {}) {
    super(message, { ...options, code: ErrorCode.permissionDenied });
    this.name = 'PermissionDeniedError';
  }
}

const DISK_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'an I/O error',
};

/** A file system failure (a full disk, a read-only mount) as one line naming the path: exit 1. */
export function fileSystemError(error: unknown, fallbackPath?: string): DreamdbError | undefined {
  const e = error as NodeJS.ErrnoException;
  if (!e?.code || !(e.code in DISK_CODES) || error instanceof DreamdbError) return undefined;
  const where = e.path ?? fallbackPath;
  return new DreamdbError(`Cannot write ${where ?? 'a file'}: ${DISK_CODES[e.code]} (${e.code}).`, {
    hint:
      e.code === 'ENOSPC' || e.code === 'EDQUOT'
        ? 'Free space there or write elsewhere (--out <dir>); nothing half-written was left behind as complete.'
        : 'Check the permissions and mount of that directory, or write elsewhere.',
    code: ErrorCode.fileSystem,
    cause: error,
  });
}

/** The shape every command's --json uses for an error (the top-level catch writes it). */
export function errorEnvelope(error: DreamdbError): {
  ok: false;
  error: { code: ErrorCodeValue; message: string; hint: string | null; exitCode: ExitCodeValue; details: string[] };
} {
  return {
    ok: false,
    error: {
      code: error.code,
      message: error.message,
      hint: error.hint ?? null,
      exitCode: error.exitCode,
      details: error.details,
    },
  };
}
