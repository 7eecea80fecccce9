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

export class CancelledError extends DreamdbError {
  constructor(message = 'Cancelled.') {
    super(message, { exitCode: ExitCode.cancelled });
    this.name = 'CancelledError';
  }
}
