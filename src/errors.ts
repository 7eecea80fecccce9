/**
 * Two kinds of error: a DreamdbError is something the user can fix (one line, a hint naming what
 * to do next, an exit code); anything else is a bug and prints its stack.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  checkFailed: 3,
  cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class DreamdbError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  /** Extra lines shown under the message (a SQL excerpt with a caret, a list of problems). */
  readonly details: string[];
  constructor(
    message: string,
    options: { exitCode?: ExitCodeValue; hint?: string; details?: string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DreamdbError';
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** Usage, configuration or connection problems: exit 2. */
export class UsageError extends DreamdbError {
  constructor(message: string, options: { hint?: string; details?: string[]; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
    this.name = 'UsageError';
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
    hint: e.code === 'ENOSPC' || e.code === 'EDQUOT' ? 'Free space there or write elsewhere (--out <dir>); nothing half-written was left behind as complete.' : 'Check the permissions and mount of that directory, or write elsewhere.',
    cause: error,
  });
}

export class CancelledError extends DreamdbError {
  constructor(message = 'Cancelled.') {
    super(message, { exitCode: ExitCode.cancelled });
    this.name = 'CancelledError';
  }
}
