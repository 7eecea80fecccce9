/** Connections: one place that opens postgres.js clients and turns failures into clear errors. */
import postgres from 'postgres';
import { ConnectionError, LockLostError } from '../errors.js';
import { LOST_CODES, recordLostConnection } from './lost.js';
import { redactUrl } from './redact.js';
import { endpointsOf, markEstablished, newSessionState, openSocket, type SessionState } from './socket.js';
import { validateUrl } from './url.js';

export type Sql = postgres.Sql<Record<string, unknown>>;
export { isConnectionLoss, lostConnectionCrash, lostConnectionError } from './lost.js';
export { validateUrl } from './url.js';

export interface ConnectOptions {
  max?: number;
  /** Called with each NOTICE/WARNING the server sends. */
  onNotice?: (notice: postgres.Notice) => void;
  /** Extra connection parameters (e.g. lock_timeout, application_name). */
  connection?: Record<string, string | number | boolean>;
  connectTimeoutSeconds?: number;
  /**
   * End the client when its connection is lost, so every pending query fails at once. For
   * single-connection work that cannot continue on a new connection: postgres.js leaves queries
   * after a COPY on a lost connection pending for ever.
   */
  endOnLoss?: boolean;
  /**
   * Fetch array types on every (re)connect (postgres.js's default). Off for clients on a flaky
   * link: a connection cut during that fetch is an unhandled rejection inside postgres.js.
   */
  fetchTypes?: boolean;
}

const sessions = new WeakMap<Sql, SessionState>();

/** The socket bookkeeping of a client made by connect() (the advisory lock pins it). */
export function sessionOf(sql: Sql): SessionState | undefined {
  return sessions.get(sql);
}

export function connect(url: string, options: ConnectOptions = {}): Sql {
  const parsed = validateUrl(url);
  const endpoints = endpointsOf(parsed);
  // ?host= and ?port= are libpq's; postgres.js would send them to the server as settings.
  parsed.searchParams.delete('host');
  parsed.searchParams.delete('port');
  const state = newSessionState();
  // libpq's connect_timeout (URL or PGCONNECT_TIMEOUT) bounds each connect; 10 s by default.
  const fromUrl = Number(parsed.searchParams.get('connect_timeout') || process.env.PGCONNECT_TIMEOUT || NaN);
  const timeoutSeconds = options.connectTimeoutSeconds ?? (fromUrl > 0 ? fromUrl : 10);
  // libpq decodes a percent-encoded database name (`/my%20db`); postgres.js sends it as written.
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const sql = postgres(parsed.toString(), {
    ...(database ? { database } : {}),
    max: options.max ?? 1,
    onnotice: options.onNotice ?? (() => {}),
    connect_timeout: timeoutSeconds,
    // Not in postgres.js's types, but a documented option: "socket: fn returning a custom socket".
    ...({ socket: () => openSocket(state, endpoints, timeoutSeconds * 1000) } as object),
    onparameter: () => markEstablished(state),
    idle_timeout: 0,
    prepare: true,
    fetch_types: options.fetchTypes ?? true,
    connection: { application_name: 'dreamdb', ...options.connection },
    // Types we do not want converted implicitly (bigint counts stay strings elsewhere).
    types: {},
  }) as Sql;
  sessions.set(sql, state);
  state.onLost = () => {
    const what = state.pinnedFor;
    recordLostConnection(() =>
      what ? new LockLostError(what) : connectionError(url, { code: 'CONNECTION_CLOSED' }, { during: true })!,
    );
    // A client pinned by a session lock cannot go on: end it, so every pending query fails now
    // (postgres.js can otherwise leave a query queued for the lost connection pending for ever,
    // and Node exits 13 with no message once nothing else is left to wait for).
    if (options.endOnLoss || what) void sql.end({ timeout: 0 }).catch(() => {});
  };
  return sql;
}

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
  ETIMEDOUT: 'the connection timed out',
  CONNECT_TIMEOUT: 'the connection timed out',
  ECONNRESET: 'the server closed the connection',
  EHOSTUNREACH: 'the host is unreachable',
  '28P01': 'password authentication failed',
  '28000': 'the server rejected this user',
  '3D000': 'the database does not exist',
  '53300': 'the server has too many connections',
  '57P03': 'the server is starting up or shutting down',
  '57P01': 'the server ended the connection (terminated by an administrator or a shutdown)',
  '57P02': 'the server ended the connection (crash of another backend)',
  CONNECTION_CLOSED: 'the connection was lost',
  CONNECTION_DESTROYED: 'the connection was lost',
  DREAMDB_STARTUP_CLOSED:
    'the server accepts connections and closes them during startup (a proxy or pooler without a working backend?)',
  EPIPE: 'the connection was lost',
};

/** How a server that offers no SSL answers a client that insists on it. */
const SSL_REFUSAL_CODES = new Set(['ECONNRESET', 'CONNECTION_CLOSED', 'DREAMDB_STARTUP_CLOSED', 'EPIPE']);

function requiresSsl(url: string): boolean {
  try {
    const mode = new URL(url).searchParams.get('sslmode');
    return mode === 'require' || mode === 'verify-ca' || mode === 'verify-full';
  } catch {
    return false;
  }
}

/** Maps a failure to connect, or a connection lost mid-run, into a ConnectionError (exit 2) that never shows the password. */
export function connectionError(
  url: string,
  error: unknown,
  options: { during?: boolean } = {},
): ConnectionError | undefined {
  const err = error as { code?: string; errno?: string; message?: string };
  const code = err?.code ?? err?.errno;
  if (!code || !(code in CONNECTION_CODES)) return undefined;
  const reason = CONNECTION_CODES[code];
  const hint =
    !options.during && requiresSsl(url) && SSL_REFUSAL_CODES.has(code)
      ? 'The URL asks for SSL (sslmode=require or verify-*); a server without SSL closes such connections. Drop sslmode or use sslmode=prefer for a local server.'
      : code === '3D000'
        ? 'Create the database first, or fix the database name in the URL.'
        : code.startsWith('28')
          ? 'Check the user and password in the connection string (or DATABASE_URL).'
          : code === 'DREAMDB_STARTUP_CLOSED'
            ? 'Check that the server behind that address is up (a pooler or proxy with a dead backend does this), then retry.'
            : options.during && LOST_CODES.has(code)
              ? 'Nothing was left half-done (each step is one transaction); run the command again once the server is reachable.'
              : 'Check the host and port, and that the server is running; `dreamdb db status` for the embedded one.';
  const lost = Boolean(options.during && LOST_CODES.has(code));
  return new ConnectionError(`${lost ? 'Lost the connection to' : 'Cannot connect to'} ${redactUrl(url)}: ${reason}.`, {
    hint,
    cause: error,
    lost,
  });
}

/**
 * Opens a client, checks it answers, runs fn, and always closes it. A failure to reach the server,
 * at the start or when the connection is lost during fn, becomes the one-line UsageError (exit 2).
 */
export async function withDb<T>(url: string, fn: (sql: Sql) => Promise<T>, options: ConnectOptions = {}): Promise<T> {
  const sql = connect(url, options);
  let connected = false;
  try {
    await sql`select 1`;
    connected = true;
    return await fn(sql);
  } catch (error) {
    throw connectionError(url, error, { during: connected }) ?? error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * withDb for `count` clients at once (parallel workers, sessions that watch each other): each its
 * own client, options per index, all ended afterwards; failures mapped as in withDb.
 */
export async function withDbs<T>(
  url: string,
  count: number,
  fn: (clients: Sql[]) => Promise<T>,
  options: ConnectOptions | ((index: number) => ConnectOptions) = {},
): Promise<T> {
  const open = (clients: Sql[]): Promise<T> =>
    clients.length >= count
      ? fn(clients)
      : withDb(
          url,
          (sql) => open([...clients, sql]),
          typeof options === 'function' ? options(clients.length) : options,
        );
  return open([]);
}
