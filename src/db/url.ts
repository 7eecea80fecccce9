/**
 * Reading a connection string, apart from connect.ts so that resolving the target (context.ts)
 * does not load postgres.js for commands that never connect.
 */
import { UsageError } from '../errors.js';
import { redactUrl } from './redact.js';

/**
 * libpq allows an empty host when `?host=` names it (`postgresql://user@/db?host=/var/run/postgresql`);
 * WHATWG URLs do not, so a placeholder host stands in (the socket factory reads ?host= itself).
 */
function parseConnectionUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (error) {
    const filled = url.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?]*@)?)(?=[/?]|$)/, '$1localhost');
    if (filled === url || !new URL(filled).searchParams.get('host')) throw error;
    return new URL(filled);
  }
}

export function validateUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = parseConnectionUrl(url);
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
  return parsed;
}
