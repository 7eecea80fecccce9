/** Connections: one place that opens postgres.js clients and turns failures into clear errors. */
import postgres from 'postgres';
import { UsageError } from '../errors.js';
import { redactUrl } from './redact.js';

export type Sql = postgres.Sql<Record<string, unknown>>;

export interface ConnectOptions {
  max?: number;
  /** Called with each NOTICE/WARNING the server sends. */
  onNotice?: (notice: postgres.Notice) => void;
  /** Extra connection parameters (e.g. lock_timeout, application_name). */
  connection?: Record<string, string | number | boolean>;
  connectTimeoutSeconds?: number;
}

export function connect(url: string, options: ConnectOptions = {}): Sql {
  validateUrl(url);
  return postgres(url, {
    max: options.max ?? 1,
    onnotice: options.onNotice ?? (() => {}),
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    idle_timeout: 0,
    prepare: true,
    connection: { application_name: 'dreamdb', ...options.connection },
    // Types we do not want converted implicitly (bigint counts stay strings elsewhere).
    types: {},
  }) as Sql;
}

export function validateUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`Not a valid connection string: ${redactUrl(url)}`, {
      hint: 'Use postgresql://user:password@host:5432/database',
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(`Not a PostgreSQL connection string (scheme ${parsed.protocol}): ${redactUrl(url)}`, {
      hint: 'Use postgresql://user:password@host:5432/database',
    });
  }
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
};

/** Maps a failure to connect into a UsageError (exit 2) that never shows the password. */
export function connectionError(url: string, error: unknown): UsageError | undefined {
  const err = error as { code?: string; errno?: string; message?: string };
  const code = err?.code ?? err?.errno;
  if (!code || !(code in CONNECTION_CODES)) return undefined;
  const reason = CONNECTION_CODES[code];
  const hint =
    code === '3D000'
      ? 'Create the database first, or fix the database name in the URL.'
      : code.startsWith('28')
        ? 'Check the user and password in the connection string (or DATABASE_URL).'
        : 'Check the host and port, and that the server is running; `dreamdb db status` for the embedded one.';
  return new UsageError(`Cannot connect to ${redactUrl(url)}: ${reason}.`, { hint, cause: error });
}

/**
 * Opens a client, checks it answers, runs fn, and always closes it. A failure to reach the server,
 * at the start or when the connection is lost during fn, becomes the one-line UsageError (exit 2).
 */
export async function withDb<T>(url: string, fn: (sql: Sql) => Promise<T>, options: ConnectOptions = {}): Promise<T> {
  const sql = connect(url, options);
  try {
    await sql`select 1`;
    return await fn(sql);
  } catch (error) {
    throw connectionError(url, error) ?? error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
