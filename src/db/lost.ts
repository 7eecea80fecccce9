/**
 * The connection dreamdb lost, remembered for the CLI's top-level handlers. Apart from connect.ts
 * so that src/cli.ts can turn a lost connection into one line without importing postgres.js,
 * which commands that never connect (--version, --help) should not load.
 */
import { ConnectionError, DreamdbError } from '../errors.js';

/** The codes of a connection that died under a query (terminated, reset, closed). */
export const LOST_CODES = new Set([
  '57P01',
  '57P02',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'EPIPE',
  'ECONNRESET',
]);

/** The error of a query whose connection died under it (terminated, reset, closed). */
export function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; errno?: string } | undefined;
  const code = e?.code ?? e?.errno;
  return code !== undefined && LOST_CODES.has(code);
}

let lastLost: (() => DreamdbError) | undefined;

/** connect() records the error of each connection it loses here; the last one wins. */
export function recordLostConnection(error: () => DreamdbError): void {
  lastLost = error;
}

/**
 * postgres.js can crash the process after a connection was lost (a transaction's ROLLBACK written
 * to a socket it has already dropped: "Cannot read properties of null (reading 'write')"). The
 * CLI turns that crash into the one-line error of the connection that was lost.
 */
export function lostConnectionCrash(error: unknown): DreamdbError | undefined {
  if (!lastLost || !(error instanceof TypeError) || !/[\\/]postgres[\\/]src[\\/]/.test(error.stack ?? ''))
    return undefined;
  return lastLost();
}

/**
 * The one-line error for a connection-loss error that reached the top level without passing a
 * withDb scope (a pool opened by hand): the connection dreamdb lost, else the error's own reason.
 */
export function lostConnectionError(error: unknown): DreamdbError | undefined {
  if (error instanceof DreamdbError || !isConnectionLoss(error)) return undefined;
  return (
    lastLost?.() ??
    new ConnectionError(`Lost the connection to the database: ${(error as Error).message}.`, {
      hint: 'Run the command again once the server is reachable.',
      cause: error,
      lost: true,
    })
  );
}
