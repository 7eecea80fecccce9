/**
 * The sockets behind every postgres.js client dreamdb opens. postgres.js reconnects on its own:
 * forever when a server accepts and then closes during startup, and silently when a connection
 * holding a session lock dies. Opening the sockets here bounds the first and forbids the second.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import { LockLostError } from '../errors.js';

export type Endpoint = { path: string } | { host: string; port: number };

/** Per client: whether a session lock pins it to its current connection, and failed starts. */
export interface SessionState {
  /** Set while a session advisory lock is held: the `what` of that lock. */
  pinnedFor: string | undefined;
  /** The pinned connection closed: the lock is gone. */
  lostPinned: boolean;
  /** Sockets that closed before the server sent its parameters, since the last one that did. */
  failedStarts: number;
  firstFailedAt: number | undefined;
  establishedAt: number;
  attempts: number;
  /** Called when an established connection is closed by the server or the network. */
  onLost?: () => void;
}

export function newSessionState(): SessionState {
  return {
    pinnedFor: undefined,
    lostPinned: false,
    failedStarts: 0,
    firstFailedAt: undefined,
    establishedAt: 0,
    attempts: 0,
  };
}

/** How many connects in a row may close during startup, and for how long, before giving up. */
export const MAX_FAILED_STARTS = 3;

/** Re-exported: the class lives with the other named errors in src/errors.ts. */
export { LockLostError };

/** A socket that fails at once with `error`, so postgres.js rejects the query instead of retrying. */
function failingSocket(error: Error): Duplex {
  const socket = new Duplex({
    read() {},
    write(_chunk, _enc, done) {
      done();
    },
  });
  // After postgres.js has attached its listeners (it awaits the factory).
  setImmediate(() => socket.destroy(error));
  return socket;
}

/** Called by postgres.js for every connection it opens (options.socket). */
export function openSocket(state: SessionState, endpoints: Endpoint[], connectTimeoutMs: number): Duplex | net.Socket {
  if (state.pinnedFor) return failingSocket(new LockLostError(state.pinnedFor));
  const now = Date.now();
  if (
    state.failedStarts >= MAX_FAILED_STARTS ||
    (state.firstFailedAt !== undefined && now - state.firstFailedAt > connectTimeoutMs)
  ) {
    const error = Object.assign(
      new Error(`the server closed the connection during startup ${state.failedStarts} times in a row`),
      {
        code: 'DREAMDB_STARTUP_CLOSED',
      },
    );
    state.failedStarts = 0;
    state.firstFailedAt = undefined;
    return failingSocket(error);
  }
  const endpoint = endpoints[state.attempts++ % endpoints.length]!;
  const socket =
    'path' in endpoint ? net.connect(endpoint.path) : net.connect({ host: endpoint.host, port: endpoint.port });
  // postgres.js reads socket.host for TLS server names.
  Object.assign(socket, 'path' in endpoint ? {} : { host: endpoint.host, port: endpoint.port });
  const openedAt = now;
  // postgres.js ends a connection it is done with by writing Terminate ('X') through end(chunk);
  // Node's own end() after the server closed has no chunk. Only the latter is a loss.
  let endedHere = false;
  const end = socket.end.bind(socket) as (...args: unknown[]) => net.Socket;
  (socket as unknown as { end: (...args: unknown[]) => net.Socket }).end = (...args: unknown[]) => {
    if (Buffer.isBuffer(args[0]) && args[0][0] === 0x58) endedHere = true;
    return end(...args);
  };
  socket.once('close', () => {
    if (state.pinnedFor) state.lostPinned = true;
    if (!endedHere && state.establishedAt >= openedAt) state.onLost?.();
    if (state.establishedAt < openedAt) {
      state.failedStarts += 1;
      state.firstFailedAt ??= openedAt;
    }
  });
  return socket;
}

/** The server sent its run-time parameters: a connection got through startup. */
export function markEstablished(state: SessionState): void {
  state.establishedAt = Date.now();
  state.failedStarts = 0;
  state.firstFailedAt = undefined;
}

/**
 * Where a connection string points, as libpq reads it: host (brackets stripped from IPv6
 * literals), `?host=` overriding it (a directory means a Unix socket), and the port.
 */
export function endpointsOf(url: URL): Endpoint[] {
  const port = Number(url.searchParams.get('port') || url.port || 5432);
  const hostParam = url.searchParams.get('host');
  const hosts = (hostParam ?? decodeURIComponent(url.hostname || '') ?? '').split(',').filter(Boolean);
  if (!hosts.length) hosts.push(process.env.PGHOST || 'localhost');
  return hosts.map((h) => {
    const host = h.replace(/^\[(.*)\]$/, '$1');
    return host.startsWith('/') ? { path: `${host}/.s.PGSQL.${port}` } : { host, port };
  });
}
