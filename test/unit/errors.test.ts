/** The one error set: exit codes, stable codes, and the fix each named error carries. */
import { describe, expect, it } from 'vitest';
import * as socket from '../../src/db/socket.js';
import { createOutput } from '../../src/ui/output.js';
import {
  CancelledError,
  ConfirmationRequiredError,
  ConnectionError,
  DreamdbError,
  ErrorCode,
  errorEnvelope,
  ExitCode,
  fileSystemError,
  LockLostError,
  LockUnavailableError,
  NotMigratedError,
  PermissionDeniedError,
  UsageError,
} from '../../src/errors.js';

describe('named errors', () => {
  it('carry an exit code and a stable code', () => {
    const cases: [DreamdbError, number, string][] = [
      [new DreamdbError('x'), ExitCode.failed, ErrorCode.failed],
      [new UsageError('x'), ExitCode.usage, ErrorCode.usage],
      [new CancelledError(), ExitCode.cancelled, ErrorCode.cancelled],
      [new NotMigratedError('public.metrics'), ExitCode.usage, ErrorCode.notMigrated],
      [new ConnectionError('x'), ExitCode.usage, ErrorCode.connection],
      [new LockLostError('migrate'), ExitCode.failed, ErrorCode.lockLost],
      [new LockUnavailableError('x'), ExitCode.failed, ErrorCode.lockUnavailable],
      [new ConfirmationRequiredError('x'), ExitCode.usage, ErrorCode.confirmationRequired],
      [new PermissionDeniedError('x'), ExitCode.failed, ErrorCode.permissionDenied],
      [new DreamdbError('x', { exitCode: ExitCode.usage }), ExitCode.usage, ErrorCode.usage],
    ];
    for (const [error, exit, code] of cases) {
      expect([error.name, error.exitCode, error.code]).toEqual([error.name, exit, code]);
      expect(error).toBeInstanceOf(DreamdbError);
    }
    // Exit-2 errors stay UsageErrors, so `instanceof UsageError` keeps meaning "exit 2".
    for (const e of [new NotMigratedError('x'), new ConnectionError('x'), new ConfirmationRequiredError('x')])
      expect(e).toBeInstanceOf(UsageError);
  });

  it('say "not migrated" in one wording, with the command that fixes it', () => {
    const e = new NotMigratedError('storage schema (storage.buckets, storage.objects)', {
      detail: 'it installs the Supabase-compatible base on plain PostgreSQL',
    });
    expect(e.message).toBe(
      'The target has no storage schema (storage.buckets, storage.objects): the database is not migrated.',
    );
    expect(e.hint).toBe(
      'Run `dreamdb migrate` first (it installs the Supabase-compatible base on plain PostgreSQL), then run this command again.',
    );
    expect(new NotMigratedError('public.sync_pull()').hint).toBe(
      'Run `dreamdb migrate` first, then run this command again.',
    );
  });

  it('LockLostError is one class, whichever module it is imported from', () => {
    expect(socket.LockLostError).toBe(LockLostError);
  });

  it('a full disk names the path and has its code', () => {
    const e = fileSystemError(Object.assign(new Error('nope'), { code: 'ENOSPC', path: '/backups/x' }));
    expect(e?.message).toBe('Cannot write /backups/x: no space left on the device (ENOSPC).');
    expect(e?.code).toBe(ErrorCode.fileSystem);
    expect(fileSystemError(new Error('other'))).toBeUndefined();
  });

  it('the --json envelope has the code, message, hint, exit code and details', () => {
    expect(errorEnvelope(new NotMigratedError('public.metrics'))).toEqual({
      ok: false,
      error: {
        code: 'not-migrated',
        message: 'The target has no public.metrics: the database is not migrated.',
        hint: 'Run `dreamdb migrate` first, then run this command again.',
        exitCode: 2,
        details: [],
      },
    });
  });

  it('a prompt without a terminal is a ConfirmationRequiredError naming --yes', async () => {
    const out = createOutput({ interactive: false });
    const typed = await out.confirmTyped('Migrate on PRODUCTION.', 'app').then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(typed).toBeInstanceOf(ConfirmationRequiredError);
    expect((typed as DreamdbError).hint).toBe('Pass --yes to confirm non-interactively.');
    const yesNo = await out.confirmOrCancel('Add volume?', { hint: 'Pass --yes to add it.', declined: 'No.' }).then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(yesNo).toBeInstanceOf(ConfirmationRequiredError);
    expect((yesNo as DreamdbError).exitCode).toBe(ExitCode.usage);
    expect((yesNo as DreamdbError).hint).toBe('Pass --yes to add it.');
  });
});
